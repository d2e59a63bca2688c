import AvatarHTTP
import AvatarMedia
import Foundation

/// One paid render, end to end, with the money rules of DESIGN.md: check and prepare for
/// free; reuse a render of the same inputs instead of paying again; refuse when the balance
/// or --max-cost would not cover it; write the journal before the submit leaves and the
/// request id the moment it is known; submit once and never again by itself when the
/// answer leaves open whether it was accepted; poll with a deadline; download resumably
/// and atomically, verify the video, and record what the balance says it cost.
public struct RenderRunner: Sendable {
    public var client: SegmindClient
    public var host: TempHost
    public var cache: RenderCache
    public var poller = RenderPoller()
    public var observer: RunObserver?

    public init(client: SegmindClient, host: TempHost, cache: RenderCache = .standard()) {
        self.client = client
        self.host = host
        self.cache = cache
    }

    public static let renderFile = "render.mp4"
    static let partialFile = ".render.partial.mp4"

    // MARK: run

    public func run(_ request: RunRequest) async throws -> RunOutcome {
        let directory = request.jobDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let earlier = JobJournal.exists(in: directory) ? try JobJournal.load(from: directory) : nil
        observer?.stage("check", "checking the inputs")
        let checked = await Preflight.run(request.preflight)
        guard checked.report.exitCode == 0 else {
            throw RunRefusal(report: checked.report)
        }
        var journal = JobJournal(parameters: request.parameters, api: request.api.rawValue)
        journal.estimateUsd = checked.report.cost.estimateUsd
        journal.script = request.parameters.script
        try recordInputs(checked.report, in: &journal)

        observer?.stage("prepare", "preparing the inputs")
        let prepared = try await Preparation.run(checked, options: request.preparation, jobDirectory: directory)
        try recordPrepared(prepared, in: &journal)
        journal.renderKey = renderKey(prepared, parameters: request.parameters)
        // Nothing is written over a journal that holds a render until it is known to be
        // this one (resumed) or finished with (refused otherwise).
        if let earlier, let outcome = try await continueEarlier(earlier, key: journal.renderKey, request: request, directory: directory) {
            return outcome
        }
        try writePreflight(checked, directory: directory)
        try journal.record(.checked, "inputs checked: \(checked.report.verdict.rawValue)", in: directory)
        try journal.record(.prepared, "inputs prepared", in: directory)

        if !request.forceNew, let outcome = try await reuse(&journal, report: checked.report, directory: directory) {
            return outcome
        }
        try await checkBudget(&journal, request: request, directory: directory)
        let urls = try await hostInputs(prepared, sourceURLs: request.sourceURLs, journal: &journal, directory: directory)
        try await submitAndFinish(&journal, request: request, imageURL: urls.image, audioURL: urls.audio, directory: directory)
        return RunOutcome(journal: journal, report: checked.report, reused: false)
    }

    // MARK: resume

    /// Continues a submitted render from its journal. Never submits.
    public func resume(_ directory: String) async throws -> RunOutcome {
        var journal = try JobJournal.load(from: directory)
        switch journal.stage {
        case .rendered:
            observer?.stage("resume", "\(directory) is already rendered")
            return RunOutcome(journal: journal, report: nil, reused: false)
        case .submitting:
            throw RenderError.maybeSubmitted(detail: "job.json shows a submit whose answer never arrived (started "
                                             + "\(journal.submitStartedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "at an unknown time"))",
                                             jobDirectory: directory)
        case .submitted, .completed:
            guard let submission = journal.submission else {
                throw RenderError.refused("\(directory)/job.json says submitted but holds no request id")
            }
            try await finish(&journal, submission: submission, directory: directory)
            return RunOutcome(journal: journal, report: nil, reused: false)
        case .failed, .expired:
            throw RenderError.refused("the render in \(directory) ended as \(journal.stage.rawValue)"
                                      + (journal.serviceError.map { ": \($0)" } ?? "") + "; nothing to resume")
        case .created, .checked, .prepared, .hosted:
            throw RenderError.refused("nothing was submitted from \(directory) (stage \(journal.stage.rawValue)); "
                                      + "start it with `avatarpipe run` (resume never submits)")
        }
    }

    // MARK: steps

    /// A job directory that already holds a render: the same inputs in flight are resumed,
    /// the same inputs rendered are kept; other inputs must go to another directory, since
    /// render.mp4 is never replaced and a render in flight must not be forgotten.
    func continueEarlier(_ earlier: JobJournal, key: String?, request: RunRequest, directory: String) async throws -> RunOutcome? {
        let inFlight = [.submitting, .submitted, .completed].contains(earlier.stage)
        let sameInputs = earlier.renderKey == key
        if sameInputs && inFlight && !request.forceNew {
            observer?.stage("resume", "\(directory) holds a submitted render of these inputs; continuing it instead of submitting again")
            return try await resume(directory)
        }
        if sameInputs && earlier.stage == .rendered && !request.forceNew {
            observer?.stage("cache", "\(directory) already holds the render of these inputs")
            return RunOutcome(journal: earlier, report: nil, reused: true)
        }
        if inFlight && !sameInputs {
            throw RenderError.refused("\(directory) holds a render of other inputs that is still in flight (\(earlier.submission?.requestID ?? "answer unknown")); "
                                      + "finish it with `avatarpipe resume \(directory)` or choose another --out")
        }
        if earlier.stage == .rendered || FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(RenderRunner.renderFile)) {
            throw RenderError.refused("\(directory) already holds a paid render (render.mp4 is never replaced); choose another --out")
        }
        return nil
    }

    /// A finished render of the same key is copied; one in flight elsewhere is resumed there.
    func reuse(_ journal: inout JobJournal, report: PreflightReport, directory: String) async throws -> RunOutcome? {
        guard let key = journal.renderKey else { return nil }
        if let cached = cache.video(for: key) {
            observer?.stage("cache", "an identical render was paid for already; reusing it (no charge)")
            let target = (directory as NSString).appendingPathComponent(RenderRunner.renderFile)
            try AtomicFile.write(to: target) { try FileManager.default.copyItem(atPath: cached.path, toPath: $0) }
            journal.render = try verifiedRecord(at: directory)
            journal.reusedFrom = cache.entry(for: key)?.jobDirectory ?? cached.path
            try journal.record(.rendered, "reused the cached render of key \(key.prefix(16)) (nothing paid)", in: directory)
            return RunOutcome(journal: journal, report: report, reused: true)
        }
        guard let entry = cache.entry(for: key), entry.jobDirectory != cache.absolute(directory),
              [.submitting, .submitted, .completed].contains(entry.stage) else { return nil }
        if entry.stage == .submitting {
            throw RenderError.maybeSubmitted(detail: "a submit of these same inputs from \(entry.jobDirectory) never got its answer",
                                             jobDirectory: entry.jobDirectory)
        }
        observer?.stage("resume", "these inputs are being rendered from \(entry.jobDirectory); continuing that render")
        let other = try await resume(entry.jobDirectory)
        let source = (entry.jobDirectory as NSString).appendingPathComponent(RenderRunner.renderFile)
        let target = (directory as NSString).appendingPathComponent(RenderRunner.renderFile)
        try AtomicFile.write(to: target) { try FileManager.default.copyItem(atPath: source, toPath: $0) }
        journal.render = try verifiedRecord(at: directory)
        journal.reusedFrom = entry.jobDirectory
        journal.credits = other.journal.credits
        try journal.record(.rendered, "took the render of \(entry.jobDirectory) (one submission for both)", in: directory)
        return RunOutcome(journal: journal, report: report, reused: true)
    }

    func checkBudget(_ journal: inout JobJournal, request: RunRequest, directory: String) async throws {
        let estimate = journal.estimateUsd ?? ServiceLimits.defaultPricePerCallUSD
        if let cap = request.maxCostUSD, estimate > cap {
            throw RenderError.refused("this render is estimated at \(Format.usd(estimate)), over --max-cost \(Format.usd(cap)); nothing was submitted")
        }
        let balance = try await client.credits()
        journal.credits.before = balance
        try journal.save(in: directory)
        if balance < estimate {
            throw RenderError.insufficientCredits(balance: balance, price: estimate, message: "nothing was submitted; top up first")
        }
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

    func submitAndFinish(_ journal: inout JobJournal, request: RunRequest, imageURL: String, audioURL: String?, directory: String) async throws {
        // Money rule 1: the journal says a submit is under way before the request leaves.
        journal.submitStartedAt = Date()
        try journal.record(.submitting, "submitting one render (\(request.api.rawValue))", in: directory)
        try cache.record(journal, jobDirectory: directory)
        observer?.stage("submit", "submitting one render (about \(Format.usd(journal.estimateUsd ?? 0)))")
        if request.api == .v1 {
            try await submitSync(&journal, request: request, imageURL: imageURL, audioURL: audioURL, directory: directory)
            return
        }
        let submission: Submission
        do {
            submission = try await client.submit(request.parameters, imageURL: imageURL, audioURL: audioURL, jobDirectory: directory)
        } catch let error as RenderError {
            try settleRefusedSubmit(error, journal: &journal, directory: directory)
            throw error
        }
        journal.submission = submission
        try journal.record(.submitted, "submitted as \(submission.requestID)", in: directory)
        try cache.record(journal, jobDirectory: directory)
        try await finish(&journal, submission: submission, directory: directory)
    }

    /// A submit the service refused was not accepted: nothing was charged and the job is
    /// over. One whose fate is open stays `submitting` so that nothing submits it again.
    func settleRefusedSubmit(_ error: RenderError, journal: inout JobJournal, directory: String) throws {
        journal.serviceError = error.description
        if case .maybeSubmitted = error {
            try journal.save(in: directory)
            return
        }
        try journal.record(.failed, "the service refused the submit: \(error)", in: directory)
        try cache.record(journal, jobDirectory: directory)
    }

    func submitSync(_ journal: inout JobJournal, request: RunRequest, imageURL: String, audioURL: String?, directory: String) async throws {
        let partial = (directory as NSString).appendingPathComponent(RenderRunner.partialFile)
        do {
            try await client.submitSync(request.parameters, imageURL: imageURL, audioURL: audioURL, to: partial, jobDirectory: directory)
        } catch let error as RenderError {
            try settleRefusedSubmit(error, journal: &journal, directory: directory)
            throw error
        }
        try await complete(&journal, partial: partial, directory: directory)
    }

    /// Polls to a terminal state, downloads, verifies, records the charge.
    func finish(_ journal: inout JobJournal, submission: Submission, directory: String) async throws {
        observer?.stage("wait", "waiting for render \(submission.requestID) (typically about 3 min)")
        let observer = self.observer
        let state: ServiceState
        do {
            state = try await poller.wait(for: submission, client: client, jobDirectory: directory) { update in
                observer?.waiting(update, typicalSeconds: ServiceLimits.typicalRenderSeconds)
            }
        } catch is CancellationError {
            try journal.save(in: directory)
            throw RenderError.stillRendering(requestID: submission.requestID, jobDirectory: directory, reason: "interrupted")
        }
        journal.serviceStatus = state.name
        switch state {
        case .completed:
            try journal.record(.completed, "the service finished the render", in: directory)
        case .failed(let reason):
            journal.serviceError = reason
            try journal.record(.failed, "the render failed at the service: \(reason)", in: directory)
            try cache.record(journal, jobDirectory: directory)
            throw RenderError.serviceFailed(reason: reason)
        case .gone(let message):
            if Date() > submission.expiresAt {
                try journal.record(.expired, "the result expired: \(message)", in: directory)
                throw RenderError.expired(requestID: submission.requestID)
            }
            throw RenderError.notFound("the service no longer knows request \(submission.requestID): \(message)")
        case .queued, .processing:
            throw RenderError.stillRendering(requestID: submission.requestID, jobDirectory: directory, reason: "not finished")
        }
        let url = try await client.outputURL(of: submission)
        journal.outputURL = client.http.redactor.url(url)
        try journal.save(in: directory)
        observer?.stage("download", "downloading the video")
        let partial = (directory as NSString).appendingPathComponent(RenderRunner.partialFile)
        let downloadObserver = self.observer
        _ = try await client.download(url, to: partial) { downloadObserver?.downloading($0) }
        try await complete(&journal, partial: partial, directory: directory)
    }

    /// Money rule 4: render.mp4 appears only verified, whole and synced.
    func complete(_ journal: inout JobJournal, partial: String, directory: String) async throws {
        do {
            _ = try await Offload.run { try VideoVerifier.verify(partial) }
        } catch {
            // Not kept: `resume` would take the bad file as a finished download and fail
            // the same way forever; without it, it downloads the render again.
            AtomicFile.discard(partial)
            throw RenderError.notAVideo("\(error)")
        }
        try AtomicFile.commit(partial, to: (directory as NSString).appendingPathComponent(RenderRunner.renderFile))
        journal.render = try verifiedRecord(at: directory)
        if let after = try? await client.credits() {
            journal.credits.after = after
            journal.credits.charged = journal.credits.before.map { $0 - after }
        }
        try journal.record(.rendered, "render.mp4 downloaded and verified", in: directory)
        try cache.record(journal, jobDirectory: directory)
        if let render = journal.render, let key = journal.renderKey {
            try? cache.store(render, key: key, jobDirectory: directory)
        }
        await removeHosted(&journal, directory: directory)
    }

    func removeHosted(_ journal: inout JobJournal, directory: String) async {
        for index in journal.hosted.indices where !journal.hosted[index].removed {
            let record = journal.hosted[index]
            let file = HostedFile(url: record.url, key: record.key, expiresAt: record.expiresAt, contentType: record.contentType, bytes: 0)
            if (try? await host.remove(file)) != nil { journal.hosted[index].removed = true }
        }
        try? journal.save(in: directory)
    }

    // MARK: records

    func verifiedRecord(at directory: String) throws -> JobJournal.RenderRecord {
        let path = (directory as NSString).appendingPathComponent(RenderRunner.renderFile)
        let info = try MediaProbe.probe(path)
        return JobJournal.RenderRecord(path: RenderRunner.renderFile, sha256: try FileHash.sha256(ofFile: path), bytes: info.bytes,
                                       duration: info.duration, width: info.firstVideo?.width, height: info.firstVideo?.height,
                                       videoCodec: info.firstVideo?.codec, audioCodec: info.firstAudio?.codec, verifiedAt: Date())
    }

    func recordInputs(_ report: PreflightReport, in journal: inout JobJournal) throws {
        if let photo = report.photo {
            journal.inputs["photo"] = JobJournal.FileRecord(path: photo.path, sha256: try FileHash.sha256(ofFile: photo.path), bytes: photo.bytes)
        }
        if let audio = report.audio {
            journal.inputs["audio"] = JobJournal.FileRecord(path: audio.path, sha256: try FileHash.sha256(ofFile: audio.path), bytes: audio.bytes)
        }
    }

    func recordPrepared(_ prepared: PreparationResult, in journal: inout JobJournal) throws {
        for file in [prepared.photo, prepared.audio].compactMap({ $0 }) {
            journal.prepared[file.role] = JobJournal.FileRecord(path: file.path, sha256: file.sha256, bytes: file.bytes)
        }
    }

    func record(_ hosted: HostedFile, role: String) -> JobJournal.HostedRecord {
        JobJournal.HostedRecord(role: role, url: client.http.redactor.url(hosted.url), key: client.http.redactor.url(hosted.key),
                                expiresAt: hosted.expiresAt, contentType: hosted.contentType)
    }

    /// The prepared inputs' hashes and the parameters that shape the video.
    func renderKey(_ prepared: PreparationResult, parameters: RenderParameters) -> String {
        let parts = ["render-v1", prepared.photo?.sha256 ?? "", prepared.audio?.sha256 ?? "script"]
            + parameters.renderKeyParts(audioDriven: prepared.audio != nil)
        return FileHash.sha256(parts.joined(separator: "|"))
    }

    func writePreflight(_ checked: Preflight.Result, directory: String) throws {
        try JobFilesystem.write(try JobFilesystem.encoder().encode(checked.report), to: (directory as NSString).appendingPathComponent("preflight.json"))
        if let image = checked.image {
            try? PreflightPicture.write(image, report: checked.report, to: (directory as NSString).appendingPathComponent("preflight.png"))
        }
    }
}

/// The checks blocked the run (or could not read an input): nothing was paid.
public struct RunRefusal: Error, CustomStringConvertible, Sendable {
    public var report: PreflightReport
    public var description: String { "the checks \(report.exitCode == 2 ? "could not read an input" : "block this render"); nothing was submitted" }
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
