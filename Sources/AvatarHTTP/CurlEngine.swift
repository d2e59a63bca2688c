import CCurl
import Foundation

/// The one libcurl multi handle of the process, driven by a thread of its own, so that no
/// transfer ever holds a thread of Swift's cooperative pool.
///
/// The thread loops: take the queued commands (start a transfer, cancel one), let libcurl
/// move every transfer along (`curl_multi_perform`, which runs the callbacks), hand back
/// the finished ones, then sleep in `curl_multi_poll` until a socket is ready, libcurl's own
/// timer is due, or another thread calls `curl_multi_wakeup` after queueing a command.
/// Connections stay in the multi handle's cache and are reused across transfers.
final class CurlEngine: @unchecked Sendable {
    /// `nil` only if libcurl could not make a multi handle (out of memory).
    static let shared: CurlEngine? = CurlEngine()

    private enum Command {
        case start(CurlTransfer)
        case cancel(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var commands: [Command] = []  // guarded by `lock`
    /// The transfers libcurl is running, by easy handle. Engine thread only; holding them
    /// here keeps alive the objects the callbacks' unretained pointers point to.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private init?() {
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
        let thread = Thread { [self] in run() }
        thread.name = "AvatarHTTP.curl"
        thread.start()
    }

    /// Runs the transfer to its end. Cancelling the task stops it: the handle leaves the
    /// multi handle at once and the transfer completes as cancelled.
    func perform(_ transfer: CurlTransfer) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                start(transfer)
            }
        } onCancel: {
            cancel(transfer)
        }
    }

    private func start(_ transfer: CurlTransfer) {
        let cancelledAlready = lock.withLock {
            if transfer.cancelRequested { return true }
            commands.append(.start(transfer))
            curl_multi_wakeup(multi)
            return false
        }
        if cancelledAlready { transfer.complete(CURLE_ABORTED_BY_CALLBACK, cancelled: true) }
    }

    private func cancel(_ transfer: CurlTransfer) {
        lock.withLock {
            transfer.cancelRequested = true
            commands.append(.cancel(transfer))
            curl_multi_wakeup(multi)
        }
    }

    // MARK: - The engine's thread

    private func run() {
        while true {
            for command in takeCommands() {
                switch command {
                case .start(let transfer): add(transfer)
                case .cancel(let transfer): remove(transfer, result: CURLE_ABORTED_BY_CALLBACK, cancelled: true)
                }
            }
            var active: Int32 = 0
            let code = curl_multi_perform(multi, &active)
            if code != CURLM_OK {
                // The multi handle itself is broken (out of memory): fail what it holds.
                for transfer in Array(running.values) { remove(transfer, result: CURLE_OUT_OF_MEMORY, cancelled: false) }
            }
            collectFinished()
            // libcurl shortens the wait to its own next timeout; a wakeup ends it at once.
            var ready: Int32 = 0
            _ = curl_multi_poll(multi, nil, 0, running.isEmpty ? 60_000 : 1000, &ready)
        }
    }

    private func takeCommands() -> [Command] {
        lock.withLock {
            let taken = commands
            commands = []
            return taken
        }
    }

    private func add(_ transfer: CurlTransfer) {
        let code = curl_multi_add_handle(multi, transfer.handle)
        guard code == CURLM_OK else {
            transfer.complete(CURLE_FAILED_INIT, cancelled: false)
            return
        }
        running[transfer.handle] = transfer
    }

    /// Takes a transfer out of libcurl's hands before it is done (or finds it done already).
    private func remove(_ transfer: CurlTransfer, result: CURLcode, cancelled: Bool) {
        guard running[transfer.handle] === transfer else { return }
        running[transfer.handle] = nil
        curl_multi_remove_handle(multi, transfer.handle)
        transfer.complete(result, cancelled: cancelled)
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            // Read the result before the message is invalidated by removing the handle.
            let result = swift_curl_msg_result(message)
            guard let transfer = running[handle] else { continue }
            remove(transfer, result: result, cancelled: false)
        }
    }
}
