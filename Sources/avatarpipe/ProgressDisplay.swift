import AvatarHTTP
import AvatarPipe
import Foundation
import Synchronization

/// Progress on stderr: on a TTY one line updated in place (stage, service status, elapsed,
/// ETA from the typical render time); otherwise plain lines, at most one every ~15 s while
/// waiting.
final class ProgressDisplay: RunObserver, Sendable {
    private struct State {
        var lastPlain = Date.distantPast
        var lastState = ""
        var lineOpen = false
        var workStage = ""
        var workStarted = Date()
        var lastDraw = Date.distantPast
        var lastQuarter = -1
    }

    private let state = Mutex(State())
    private let tty = Terminal.stderrIsTTY

    func stage(_ name: String, _ message: String) {
        closeLine()
        Terminal.log("[\(name)] \(message)")
    }

    func waiting(_ update: RenderPoller.Update, typicalSeconds: Double) {
        let elapsed = Double(update.elapsed.components.seconds)
        let remaining = max(0, typicalSeconds - elapsed)
        let eta = remaining > 0 ? "about \(Format.seconds(remaining)) left (typical)" : "taking longer than typical"
        let line = "[wait] \(update.state.name) · \(Format.seconds(elapsed)) elapsed · \(eta)"
        if tty {
            rewrite(line)
            return
        }
        let due = state.withLock { state -> Bool in
            let changed = state.lastState != update.state.name
            guard changed || Date().timeIntervalSince(state.lastPlain) >= 15 else { return false }
            state.lastState = update.state.name
            state.lastPlain = Date()
            return true
        }
        if due { Terminal.log(line) }
    }

    /// Called for every chunk libcurl hands over, on the transfer thread: drawn at most five
    /// times a second.
    func downloading(_ progress: DownloadProgress) {
        guard tty else { return }
        let due = state.withLock { state -> Bool in
            guard Date().timeIntervalSince(state.lastDraw) >= 0.2 else { return false }
            state.lastDraw = Date()
            return true
        }
        guard due else { return }
        let total = progress.total.map { " of \(Format.bytes($0))" } ?? ""
        rewrite("[download] \(Format.bytes(progress.bytes))\(total)")
    }

    /// A TTY gets one line updated at most five times a second with the count, the speed and
    /// the time left; a log gets a line at each quarter.
    func working(_ stage: String, done: Int, total: Int?, unit: String) {
        let now = Date()
        let plan = state.withLock { state -> (draw: Bool, rate: Double) in
            if state.workStage != stage { (state.workStage, state.workStarted, state.lastQuarter) = (stage, now, 0) }
            let rate = Double(done) / max(now.timeIntervalSince(state.workStarted), 0.001)
            if tty {
                guard now.timeIntervalSince(state.lastDraw) >= 0.2 || done == total else { return (false, rate) }
                state.lastDraw = now
                return (true, rate)
            }
            guard let total, total > 0 else { return (false, rate) }
            let quarter = min(4, done * 4 / total)
            guard quarter > state.lastQuarter else { return (false, rate) }
            state.lastQuarter = quarter
            return (true, rate)
        }
        guard plan.draw else { return }
        var line = "[\(stage)] \(done)" + (total.map { "/\($0)" } ?? "") + " \(unit) · " + String(format: "%.1f/s", plan.rate)
        if let total, done < total, plan.rate > 0 { line += " · ETA " + Format.seconds(Double(total - done) / plan.rate) }
        if tty { rewrite(line) } else { Terminal.log(line) }
    }

    func finish() { closeLine() }

    private func rewrite(_ line: String) {
        state.withLock { $0.lineOpen = true }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    private func closeLine() {
        let open = state.withLock { state -> Bool in
            defer { state.lineOpen = false }
            return state.lineOpen
        }
        if open { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
