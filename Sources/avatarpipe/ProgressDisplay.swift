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
    }

    private let state = Mutex(State())
    private let tty = Terminal.stderrIsTTY
    private let started = Date()

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

    func downloading(_ progress: DownloadProgress) {
        guard tty else { return }
        let total = progress.total.map { " of \(Format.bytes($0))" } ?? ""
        rewrite("[download] \(Format.bytes(progress.bytes))\(total)")
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
