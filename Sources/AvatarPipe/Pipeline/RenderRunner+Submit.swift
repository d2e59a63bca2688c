import AvatarHTTP
import AvatarMedia
import Foundation

/// The owner of a fresh claim: the balance, the hosting, then the one submit.
extension RenderRunner {
    func checkCap(_ request: RunRequest, estimate: Double?) throws {
        let estimate = estimate ?? ServiceLimits.defaultPricePerCallUSD
        if let cap = request.maxCostUSD, estimate > cap {
            throw RenderError.refused("this render is estimated at \(Format.usd(estimate)), over --max-cost \(Format.usd(cap)); nothing was submitted")
        }
    }

    /// Returns the claim once the service has accepted it (and, for v1 answering with the
    /// video itself, where the body landed). Until the submit leaves, any failure gives the
    /// claim back as refused: nothing was sent, so anyone may claim again.
    func submit(_ claim: RenderClaim, job: RenderJob, journal: inout JobJournal) async throws -> (RenderClaim, String?) {
        var claim = claim
        let directory = job.session.directory
        let urls: (image: String, audio: String?)
        do {
            try await gate?.beforeSubmit(claim, jobDirectory: directory)
            claim = try await checkBalance(claim, journal: &journal, directory: directory)
            urls = try await hostInputs(job.prepared, sourceURLs: job.request.sourceURLs, journal: &journal, directory: directory)
            claim = try await ledger.update(claim, .submitting)
            try mirror(claim.render, into: &journal, stage: .submitting, "submitting one render (\(job.request.api.rawValue))", directory: directory)
        } catch let error as LedgerError {
            throw error
        } catch {
            _ = try? await ledger.update(claim, .refused("nothing was submitted: \(error)"))
            throw error
        }
        observer?.stage("submit", "submitting one render (about \(Format.usd(journal.estimateUsd ?? 0)))")
        if job.request.api == .v1 {
            return try await submitSync(claim, job: job, urls: urls, journal: &journal)
        }
        let submission: Submission
        do {
            submission = try await client.submit(job.request.parameters, imageURL: urls.image, audioURL: urls.audio, jobDirectory: directory)
        } catch let error as RenderError {
            await gate?.submitted(claim, jobDirectory: directory, outcome: SubmitOutcome(error))
            try await settleUnanswered(error, claim: claim, journal: &journal, directory: directory)
            throw error
        }
        await gate?.submitted(claim, jobDirectory: directory, outcome: .accepted)
        return (try await accepted(submission, claim: claim, journal: &journal, directory: directory), nil)
    }

    /// Money rule 1: the answer is in the ledger before anything else happens. If even that
    /// fails, the request id is said on stderr (exit 4), since nothing else holds it.
    func accepted(_ submission: Submission, claim: RenderClaim, journal: inout JobJournal, directory: String) async throws -> RenderClaim {
        let recorded: RenderClaim
        do {
            recorded = try await ledger.recordSubmission(claim, submission)
        } catch {
            throw RenderError.afterSubmit(requestID: submission.requestID, jobDirectory: directory,
                                          reason: "the ledger could not record it: \(error)", next: .keepTheID)
        }
        do {
            try mirror(recorded.render, into: &journal, stage: .submitted, "submitted as \(submission.requestID)", directory: directory)
        } catch {
            throw RenderError.afterSubmit(requestID: submission.requestID, jobDirectory: directory,
                                          reason: "job.json could not be written (the ledger has the request): \(error)",
                                          next: recorded.render.isBuiltInSandbox ? .runAgain : .resume)
        }
        return recorded
    }

    /// A submit the service refused was not accepted: nothing was charged and the claim is
    /// given back. One whose fate is open stays `submitting`, so that nothing submits again.
    func settleUnanswered(_ error: RenderError, claim: RenderClaim, journal: inout JobJournal, directory: String) async throws {
        journal.serviceError = error.description
        if case .maybeSubmitted = error {
            try? journal.save(in: directory)
            try? await ledger.note(renderID: claim.render.id, job: directory, kind: "maybe-submitted", error.description)
            return
        }
        let released = try await ledger.update(claim, .refused("the service refused the submit: \(error)"))
        try mirror(released.render, into: &journal, stage: .failed, "the service refused the submit: \(error)", directory: directory)
    }

    func checkBalance(_ claim: RenderClaim, journal: inout JobJournal, directory: String) async throws -> RenderClaim {
        let estimate = journal.estimateUsd ?? ServiceLimits.defaultPricePerCallUSD
        let balance = try await client.credits()
        journal.credits.before = balance
        let updated = try await ledger.update(claim, .creditsBefore(balance))
        try journal.save(in: directory)
        if balance < estimate {
            throw RenderError.insufficientCredits(balance: balance, price: estimate, message: "nothing was submitted; top up first")
        }
        return updated
    }

    func hostInputs(_ prepared: PreparationResult, sourceURLs: [String: String], journal: inout JobJournal,
                    directory: String) async throws -> (image: String, audio: String?) {
        guard let photo = prepared.photo else { throw RenderError.refused("no prepared photo to upload") }
        observer?.stage("host", "putting the inputs at temporary URLs (\(host.name))")
        journal.host = host.name
        // An input given as a URL that needed no change is handed over as it is.
        func place(_ file: PreparedFile) async throws -> HostedFile {
            if file.changes.isEmpty, let url = sourceURLs[file.role] {
                return try await PassthroughHost().host(url, contentType: ContentType.of(file.path))
            }
            return try await host.host(file.path, contentType: ContentType.of(file.path))
        }
        let image = try await place(photo)
        journal.hosted.append(record(image, role: "photo"))
        var audioURL: String?
        if var audio = prepared.audio {
            let hosted: HostedFile
            do {
                hosted = try await place(audio)
            } catch let refusal as HostingRefusal where refusal.contentType == "audio/wav" {
                observer?.stage("host", "the storage refuses WAV; uploading an MP3 made from it instead")
                let wav = audio.path
                let mp3 = try await Offload.run { try AudioTranscode.mp3(from: wav) }
                audio.path = mp3
                journal.prepared["audio"] = JobJournal.FileRecord(path: mp3, sha256: try FileHash.sha256(ofFile: mp3),
                                                                   bytes: JobFilesystem.size(of: mp3) ?? 0)
                hosted = try await host.host(mp3, contentType: "audio/mpeg")
            }
            journal.hosted.append(record(hosted, role: "audio"))
            audioURL = hosted.url
        }
        try journal.record(.hosted, "inputs hosted on \(host.name)", in: directory)
        return (image.url, audioURL)
    }

    func record(_ hosted: HostedFile, role: String) -> JobJournal.HostedRecord {
        JobJournal.HostedRecord(role: role, url: client.http.redactor.url(hosted.url), key: client.http.redactor.url(hosted.key),
                                expiresAt: hosted.expiresAt, contentType: hosted.contentType)
    }

    /// The legacy synchronous call. Its answer is the video itself or JSON naming its URL;
    /// either way the render exists once a 2xx arrives, and is recorded before anything else.
    func submitSync(_ claim: RenderClaim, job: RenderJob, urls: (image: String, audio: String?),
                    journal: inout JobJournal) async throws -> (RenderClaim, String?) {
        let directory = job.session.directory
        let provisional = "v1-render-\(claim.render.id)"
        let body = store.partialPath(requestID: provisional)
        try? FileManager.default.removeItem(atPath: body)
        try FileManager.default.createDirectory(atPath: (body as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let answer: SegmindClient.SyncAnswer
        do {
            answer = try await client.submitSync(job.request.parameters, imageURL: urls.image, audioURL: urls.audio, to: body,
                                                 jobDirectory: directory)
        } catch let error as RenderError {
            try? FileManager.default.removeItem(atPath: body)
            await gate?.submitted(claim, jobDirectory: directory, outcome: SubmitOutcome(error))
            try await settleUnanswered(error, claim: claim, journal: &journal, directory: directory)
            throw error
        }
        await gate?.submitted(claim, jobDirectory: directory, outcome: .accepted)
        let submission = Submission(requestID: answer.requestID ?? provisional, statusURL: "", responseURL: "", pollURL: nil,
                                    submittedAt: Date())
        var recorded = try await accepted(submission, claim: claim, journal: &journal, directory: directory)
        switch answer {
        case .video:
            return (recorded, body)
        case .url(let url, _):
            do {
                recorded = try await ledger.update(recorded, .completed(outputURL: url))
                try mirror(recorded.render, into: &journal, stage: .completed, "the synchronous answer names the video's URL", directory: directory)
            } catch {
                throw RenderError.afterSubmit(requestID: submission.requestID, jobDirectory: directory,
                                              reason: "recording the video's URL failed: \(error)", next: .keepTheID)
            }
            return (recorded, nil)
        }
    }
}

extension SubmitOutcome {
    init(_ error: RenderError) {
        if case .maybeSubmitted = error { self = .unknown(error) } else { self = .refused(error) }
    }
}

/// MP3 copies for storage that refuses WAV.
enum AudioTranscode {
    static func mp3(from path: String) throws -> String {
        let target = (path as NSString).deletingPathExtension + ".mp3"
        if FileManager.default.fileExists(atPath: target) { return target }
        let reader = try AudioReader(path: path, sampleRate: nil, channels: nil)
        let writer = try AudioFileWriter(path: target, container: .mp3, sampleRate: reader.outputSampleRate,
                                         channels: min(2, reader.outputChannels), bitRate: 192_000)
        try reader.read { try writer.write($0.channels, frames: $0.frames) }
        try writer.finish()
        return target
    }
}
