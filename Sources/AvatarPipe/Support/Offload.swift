import Foundation

/// Runs blocking or CPU-heavy work (decoding, analysis) on a thread of its own, so it never
/// occupies the cooperative pool that async code shares.
public enum Offload {
    /// The nice value (0 to 19) of the threads started for the work of this task, and of the
    /// threads those start (FFmpeg's and x264's own inherit it): background work such as a
    /// batch's post-processing leaves the cores to what is waited on.
    @TaskLocal public static var niceness: Int32 = 0

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let niceness = Offload.niceness
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                // On Linux a thread's nice value is its own (setpriority on the calling thread).
                if niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                continuation.resume(with: Result { try work() })
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }
}
