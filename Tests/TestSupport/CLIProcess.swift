import Foundation
import Synchronization

/// The built `avatarpipe` running in the background, as a user's terminal would run it: a
/// test waits for a line it prints on stderr (an event, never a clock), then signals or
/// kills it, and reads how it ended.
public final class CLIProcess: Sendable {
    private struct State {
        var stderr = ""
        var stdout = Data()
        var waiters: [(texts: [String], continuation: CheckedContinuation<String?, Never>)] = []
        var closed = false
    }

    private let process: Process
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let child = CLIProcess(process: process)
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        child.read(errors, output)
        return child
    }

    private init(process: Process) {
        self.process = process
    }

    public var pid: Int32 { process.processIdentifier }
    public var stderr: String { state.withLock { $0.stderr } }
    public var stdout: String { state.withLock { String(decoding: $0.stdout, as: UTF8.self) } }

    /// Returns true once stderr holds `text`; false if the process ended without printing it.
    @discardableResult
    public func waitFor(_ text: String) async -> Bool {
        await waitFor(anyOf: [text]) != nil
    }

    /// Waits until stderr holds one of `texts` and returns it (nil if the process ended
    /// without printing any).
    public func waitFor(anyOf texts: [String]) async -> String? {
        await withCheckedContinuation { continuation in
            let answer: String?? = state.withLock { state in
                if let found = texts.first(where: state.stderr.contains) { return .some(found) }
                if state.closed { return .some(nil) }
                state.waiters.append((texts, continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the end (off the cooperative pool) and returns the exit status (128 + the
    /// signal for a killed process).
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            OffPool.detach { [self] in
                process.waitUntilExit()
                finished.wait()
                finished.signal()
                let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
                continuation.resume(returning: status)
            }
        }
    }

    /// kill -9, then waits for it to be gone.
    public func killHard() async {
        signal(SIGKILL)
        _ = await wait()
    }

    private func read(_ errors: Pipe, _ output: Pipe) {
        let group = DispatchGroup()
        group.enter()
        OffPool.detach { [self] in
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                let ready = state.withLock { state -> [(String, CheckedContinuation<String?, Never>)] in
                    state.stderr += String(decoding: chunk, as: UTF8.self)
                    let text = state.stderr
                    var due: [(String, CheckedContinuation<String?, Never>)] = []
                    state.waiters.removeAll { waiter in
                        guard let found = waiter.texts.first(where: text.contains) else { return false }
                        due.append((found, waiter.continuation))
                        return true
                    }
                    return due
                }
                for (found, continuation) in ready { continuation.resume(returning: found) }
            }
            let left = state.withLock { state -> [CheckedContinuation<String?, Never>] in
                state.closed = true
                defer { state.waiters.removeAll() }
                return state.waiters.map(\.continuation)
            }
            for continuation in left { continuation.resume(returning: nil) }
            group.leave()
        }
        group.enter()
        OffPool.detach { [self] in
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.stdout.append(chunk) }
            }
            group.leave()
        }
        group.notify(queue: .global()) { [self] in finished.signal() }
    }
}
