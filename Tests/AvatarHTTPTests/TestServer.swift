import AvatarHTTP
import Foundation
import TestSupport

/// Records the delays a `RetryPolicy` asks for, without waiting them.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Duration] = []

    var delays: [Duration] { lock.withLock { recorded } }

    func policy(_ base: RetryPolicy, random: Double = 0.5) -> RetryPolicy {
        var policy = base
        policy.random = { random }
        policy.sleep = { [self] delay in lock.withLock { recorded.append(delay) } }
        return policy
    }
}

/// Collects trace lines from any thread.
final class TraceLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var lines: [String] { lock.withLock { recorded } }

    var hook: @Sendable (String) -> Void {
        { [self] line in lock.withLock { recorded.append(line) } }
    }
}

/// The SHA-256 of a file as `sha256sum` computes it.
func sha256(ofFile path: String) -> String {
    Shell.run(Shell.which("sha256sum") ?? "/usr/bin/sha256sum", [path]).stdout
        .split(separator: " ").first.map(String.init) ?? ""
}

/// A JSON object from a response body.
func json(_ response: HTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
}

/// The `HTTPError` an operation throws, or nil if it succeeds or throws something else.
func httpError<T>(_ operation: () async throws -> T) async -> HTTPError? {
    do {
        _ = try await operation()
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        return nil
    }
}
