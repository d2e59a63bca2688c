import Foundation

/// A process that wants a render another live process holds: it waits on the ledger, never
/// on the service, and never submits.
extension RenderRunner {
    /// The render and its stored video once the owner has them; nil when the owner stopped
    /// without them (died, was refused, gave up): the caller asks the ledger again.
    func follow(_ render: LedgerRender, journal: inout JobJournal, directory: String) async throws -> (LedgerRender, LedgerVideo)? {
        observer?.stage("follow", "\(render.ownerName) is making render \(render.id) of these inputs"
                        + (render.requestID.map { " (request \($0))" } ?? "") + "; waiting for it instead of paying again")
        try mirror(render, into: &journal, stage: .following, "following render \(render.id), made by \(render.ownerName)", directory: directory)
        let clock = ContinuousClock()
        let deadline = clock.now + poller.deadline
        var seen = render
        while true {
            do {
                try await Task.sleep(for: followInterval)
            } catch {
                throw stopped(following: seen, directory: directory, reason: "interrupted")
            }
            guard let current = try await ledger.render(id: render.id) else { return nil }
            if current.requestID != seen.requestID || current.state != seen.state {
                try mirror(current, into: &journal, stage: .following, "render \(current.id) is \(current.state.rawValue)", directory: directory)
            }
            seen = current
            switch current.state {
            case .rendered:
                guard let sha = current.videoSHA256, let video = try await ledger.video(sha256: sha) else { return nil }
                return (current, video)
            case .claimed, .submitting, .submitted, .completed:
                if !current.ownerIsAlive() { return nil }
                if clock.now > deadline {
                    throw stopped(following: current, directory: directory, reason: "still not finished after the --wait-timeout")
                }
            case .refused, .abandoned:
                return nil
            case .failed:
                throw RenderError.serviceFailed(reason: current.error ?? "no reason given")
            case .expired:
                throw RenderError.expired(requestID: current.requestID ?? "render \(current.id)")
            }
        }
    }

    private func stopped(following render: LedgerRender, directory: String, reason: String) -> Error {
        guard let requestID = render.requestID else { return CancellationError() }
        return RenderError.stillRendering(requestID: requestID, jobDirectory: directory, reason: "\(reason); \(render.ownerName) is on it")
    }
}
