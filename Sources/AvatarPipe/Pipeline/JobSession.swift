import Foundation

/// One run's hold on a job directory, through the ledger: one process works in a directory
/// at a time (a second waits its turn), its leases are renewed while it works, and all of
/// them are let go when it stops, so that another process can take over at once.
struct JobSession: Sendable {
    let place: JobPlace
    let owner: LedgerOwner
    let ledger: any Ledger
    /// The directory as the user named it (for messages and files).
    let directory: String

    /// Takes the directory, waiting while a live process holds it.
    static func enter(_ directory: String, ledger: any Ledger, observer: RunObserver?,
                      pause: Duration = .milliseconds(250)) async throws -> JobSession {
        let place = try JobPlace.of(directory)
        let owner = LedgerOwner.make()
        var told = false
        while true {
            switch try await ledger.enterJob(place, owner: owner) {
            case .entered:
                return JobSession(place: place, owner: owner, ledger: ledger, directory: directory)
            case .busy(let job):
                if !told {
                    let holder = job.owner.flatMap(LedgerOwner.init(id:))?.description ?? "another process"
                    observer?.stage("wait", "\(directory) is in use by \(holder); waiting for it to finish")
                    told = true
                }
                try await Task.sleep(for: pause)
            }
        }
    }

    /// Runs `work` while renewing this session's leases; lets every one of them go at the end,
    /// however it ends.
    func holding<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        let ledger = self.ledger, owner = self.owner
        let keeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: ledger.lease / 3)
                if Task.isCancelled { break }
                try? await ledger.renew(owner: owner)
            }
        }
        defer { keeper.cancel() }
        do {
            let value = try await work()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    /// Runs even when the run was cancelled (Ctrl-C): a task of its own does not inherit the
    /// cancellation, which would make the ledger refuse the write.
    func release() async {
        let ledger = self.ledger, owner = self.owner
        await Task { try? await ledger.release(owner: owner) }.value
    }

    func link(to render: LedgerRender) async throws {
        try await ledger.linkJob(place, to: render, owner: owner)
    }
}
