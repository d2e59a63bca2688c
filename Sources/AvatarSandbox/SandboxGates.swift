import Foundation

/// Points where the sandbox can hold a request until told to go on, so that a test can stop
/// a client at an exact step (and kill it there) without racing the clock:
///
/// - `uploads`: `POST /upload-asset` waits before it answers (the client is hosting);
/// - `submit_answers`: a submit is recorded as a job, then waits before it is answered;
/// - `jobs`: a job stays PROCESSING, its render done, until released;
/// - `downloads`: an output download sends `hold_downloads_after` bytes, then waits.
///
/// `POST /sandbox/control {"hold": ["jobs"]}` closes, `{"release": ["jobs"]}` opens;
/// `GET /sandbox/held/jobs?count=N` answers once N requests have arrived at that gate
/// while it was closed (since the sandbox started).
public enum SandboxGate: String, Codable, Sendable, CaseIterable {
    case uploads
    case submitAnswers = "submit_answers"
    case jobs
    case downloads
}

actor SandboxGates {
    private var closed: Set<SandboxGate> = []
    private var waiting: [SandboxGate: [CheckedContinuation<Void, Never>]] = [:]
    private var arrivals: [SandboxGate: Int] = [:]
    private var watchers: [(gate: SandboxGate, count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    var closedGates: [SandboxGate] { SandboxGate.allCases.filter { closed.contains($0) } }

    func isClosed(_ gate: SandboxGate) -> Bool { closed.contains(gate) }

    /// Returns at once when `gate` is open; else counts the arrival and waits for a release.
    func pass(_ gate: SandboxGate) async {
        guard closed.contains(gate) else { return }
        arrivals[gate, default: 0] += 1
        wakeWatchers()
        await withCheckedContinuation { continuation in waiting[gate, default: []].append(continuation) }
    }

    func close(_ gates: [SandboxGate]) {
        closed.formUnion(gates)
    }

    func open(_ gates: [SandboxGate]) {
        for gate in gates {
            closed.remove(gate)
            for continuation in waiting.removeValue(forKey: gate) ?? [] { continuation.resume() }
        }
    }

    /// Waits until `count` requests have arrived at `gate` while it was closed.
    func arrived(_ gate: SandboxGate, count: Int) async {
        guard arrivals[gate, default: 0] < count else { return }
        await withCheckedContinuation { continuation in watchers.append((gate, count, continuation)) }
    }

    func arrivals(_ gate: SandboxGate) -> Int { arrivals[gate, default: 0] }

    private func wakeWatchers() {
        var still: [(gate: SandboxGate, count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        for watcher in watchers {
            if arrivals[watcher.gate, default: 0] >= watcher.count {
                watcher.continuation.resume()
            } else {
                still.append(watcher)
            }
        }
        watchers = still
    }

    /// Everything waiting goes on (the sandbox is stopping).
    func openAll() {
        open(SandboxGate.allCases)
        for watcher in watchers { watcher.continuation.resume() }
        watchers.removeAll()
    }
}
