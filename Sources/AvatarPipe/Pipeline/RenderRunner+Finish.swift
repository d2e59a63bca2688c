import AvatarHTTP
import AvatarMedia
import Foundation

/// The owner of a submitted render: wait for it, download it, verify it, store it, charge it.
/// From here on a render exists and may be charged: whatever fails is exit 4 with the request
/// id, except an answer that ends it (FAILED, expired).
extension RenderRunner {
    func finish(_ claim: inout RenderClaim, body: String?, journal: inout JobJournal, directory: String) async throws -> LedgerVideo {
        let requestID = claim.render.requestID ?? "render \(claim.render.id)"
        do {
            let download: String
            if let body {
                download = body
            } else {
                if claim.render.state == .submitted { try await waitForService(&claim, journal: &journal, directory: directory) }
                download = try await fetch(&claim, directory: directory)
            }
            return try await keepVerified(download, claim: &claim, journal: &journal, directory: directory)
        } catch let error as RenderError where error.endsTheRender || error.exitCode == 4 {
            throw error
        } catch let error as LedgerError {
            if case .leaseLost = error { throw error }
            throw RenderError.afterSubmit(requestID: requestID, jobDirectory: directory, reason: error.description,
                                          next: claim.render.isBuiltInSandbox ? .runAgain : .resume)
        } catch is CancellationError {
            throw RenderError.stillRendering(requestID: requestID, jobDirectory: directory, reason: "interrupted")
        } catch {
            throw RenderError.afterSubmit(requestID: requestID, jobDirectory: directory, reason: "\(error)",
                                          next: claim.render.isBuiltInSandbox ? .runAgain : .resume)
        }
    }

    /// Polls to a terminal state (within the deadline) and records the video's URL.
    private func waitForService(_ claim: inout RenderClaim, journal: inout JobJournal, directory: String) async throws {
        guard let submission = claim.render.submission(), !submission.statusURL.isEmpty else {
            throw RenderError.lost("render \(claim.render.id) was answered with the video itself (v1); that answer did not verify "
                                   + "(it is kept as render.rejected-N.mp4) and the video cannot be fetched again")
        }
        observer?.stage("wait", "waiting for render \(submission.requestID) (typically about 3 min)")
        let observer = self.observer
        let state = try await poller.wait(for: submission, client: client, jobDirectory: directory) { update in
            observer?.waiting(update, typicalSeconds: ServiceLimits.typicalRenderSeconds)
        }
        journal.serviceStatus = state.name
        if state.isTerminal { await gate?.serviceFinished(claim) }
        switch state {
        case .completed:
            let url = try await client.outputURL(of: submission)
            claim = try await ledger.update(claim, .completed(outputURL: url))
            try mirror(claim.render, into: &journal, stage: .completed, "the service finished the render", directory: directory)
        case .failed(let reason):
            claim = try await ledger.update(claim, .failed(reason))
            try mirror(claim.render, into: &journal, stage: .failed, "the render failed at the service: \(reason)", directory: directory)
            throw RenderError.serviceFailed(reason: reason)
        case .gone(let message):
            guard Date() > submission.expiresAt else {
                throw RenderError.notFound("the service does not know request \(submission.requestID) (yet?): \(message)")
            }
            claim = try await ledger.update(claim, .expired(message))
            try mirror(claim.render, into: &journal, stage: .expired, "the result expired: \(message)", directory: directory)
            throw RenderError.expired(requestID: submission.requestID)
        case .queued, .processing:
            throw RenderError.stillRendering(requestID: submission.requestID, jobDirectory: directory, reason: "not finished")
        }
    }

    /// Downloads the video into this request's own partial file, resuming only onto bytes of
    /// the same file (the validator the ledger kept for them).
    private func fetch(_ claim: inout RenderClaim, directory: String) async throws -> String {
        guard let url = claim.render.outputURL, let requestID = claim.render.requestID else {
            throw RenderError.invalidAnswer("render \(claim.render.id) has no video URL recorded")
        }
        let partial = store.partialPath(requestID: requestID)
        try FileManager.default.createDirectory(atPath: (partial as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var offset = JobFilesystem.size(of: partial) ?? 0
        let validator = try await client.validator(of: url)
        let trusted = claim.render.partialPath == partial && claim.render.partialValidator != nil
            && claim.render.partialValidator == validator
        if offset > 0 && !trusted {
            unlink(partial)
            offset = 0
        }
        if claim.render.partialPath != partial || claim.render.partialValidator != validator {
            claim = try await ledger.update(claim, .partial(path: partial, validator: validator))
        }
        observer?.stage("download", offset > 0 ? "resuming the download at \(Format.bytes(offset))" : "downloading the video")
        let observer = self.observer
        _ = try await client.download(url, to: partial, resumingFrom: offset, ifRange: validator) { observer?.downloading($0) }
        return partial
    }

    /// Money rule 4 and 7: only a verified video is stored; a damaged one is set aside in the
    /// job directory and the next `resume` downloads it again; a local failure keeps it.
    private func keepVerified(_ download: String, claim: inout RenderClaim, journal: inout JobJournal, directory: String) async throws -> LedgerVideo {
        let verified: VerifiedVideo
        do {
            verified = try await Offload.run { try VideoVerifier.verify(download) }
        } catch VerificationFailure.damaged(_, let reason) {
            let kept = try store.setAside(download, in: directory)
            claim = try await ledger.update(claim, .partial(path: nil, validator: nil))
            try await ledger.note(renderID: claim.render.id, job: directory, kind: "rejected", "\(kept): \(reason)")
            throw RenderError.notAVideo("\(reason); it is kept as \(kept) and `resume` downloads the render again")
        } catch VerificationFailure.local(_, let reason) {
            throw RenderError.localFailure("the download could not be checked on this machine (\(reason)); it is kept, not at fault")
        }
        let sha = try FileHash.sha256(ofFile: download)
        let stored = try store.adopt(download, sha256: sha)
        let info = verified.info
        let video = LedgerVideo(sha256: sha, path: stored, bytes: info.bytes, duration: info.duration, width: info.firstVideo?.width,
                                height: info.firstVideo?.height, videoCodec: info.firstVideo?.codec, audioCodec: info.firstAudio?.codec,
                                verifiedAt: Date())
        let charge = await measureCharge(claim, journal: &journal)
        claim = try await ledger.recordRendered(claim, video: video, charge: charge)
        return video
    }

    /// The balance's drop over the render, when both ends could be read and no other render of
    /// the ledger could have been charged meanwhile (renders in flight side by side, as in a
    /// batch, share one balance); else the estimate.
    private func measureCharge(_ claim: RenderClaim, journal: inout JobJournal) async -> LedgerCharge {
        let before = claim.render.creditsBefore
        let after = try? await client.credits()
        journal.credits.after = after
        let estimate = claim.render.estimateUSD ?? ServiceLimits.defaultPricePerCallUSD
        let alone = (try? await ledger.othersCharged(besides: claim.render.id, since: claim.render.submitStartedAt ?? claim.render.createdAt)) == false
        if alone, let before, let after, before >= after {
            journal.credits.charged = before - after
            return LedgerCharge(renderID: claim.render.id, at: Date(), amount: before - after, measured: true,
                                creditsBefore: before, creditsAfter: after)
        }
        return LedgerCharge(renderID: claim.render.id, at: Date(), amount: estimate, measured: false, creditsBefore: before,
                            creditsAfter: after)
    }
}

extension LedgerRender {
    var isBuiltInSandbox: Bool { endpoint == ServiceEndpoint.builtInSandbox }
}
