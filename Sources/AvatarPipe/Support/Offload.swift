import Foundation

/// Runs blocking or CPU-heavy work (decoding, analysis) on a thread of its own, so it never
/// occupies the cooperative pool that async code shares.
public enum Offload {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try work() })
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }
}
