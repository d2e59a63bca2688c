import AvatarHTTP
import AvatarMedia
import Foundation

/// The job directory's side: what it already holds, render.mp4, and job.json.
extension RenderRunner {
    /// What the directory's ledger row says it holds. The same render already made: kept
    /// (returned). Another render in flight, or a paid render.mp4: refused, since render.mp4
    /// is never replaced and a paid render is never forgotten.
    func linkedRender(of session: JobSession, key: String, forceNew: Bool) async throws -> LedgerRender? {
        let directory = session.directory
        let renderPath = (directory as NSString).appendingPathComponent(RenderRunner.renderFile)
        guard let job = try await ledger.job(session.place), let id = job.renderID, let linked = try await ledger.render(id: id) else {
            if FileManager.default.fileExists(atPath: renderPath) {
                throw RenderError.refused("\(directory) already holds a render.mp4 (a paid render is never replaced); choose another --out")
            }
            return nil
        }
        let same = linked.renderKey == key && linked.endpoint == endpoint
        let sent: Set<RenderState> = [.submitting, .submitted, .completed]
        if same, linked.state == .rendered {
            guard !forceNew else {
                throw RenderError.refused("\(directory) already holds the paid render of these inputs (render.mp4 is never replaced); "
                                          + "give --force-new another --out")
            }
            return linked
        }
        if same, forceNew, linked.state == .submitted || linked.state == .completed {
            throw RenderError.refused("\(directory) holds render \(linked.id) of these inputs, submitted and not downloaded yet (it is "
                                      + "paid for): finish it with `avatarpipe resume \(directory)`, or give --force-new another --out")
        }
        if !same, sent.contains(linked.state) {
            throw RenderError.refused("\(directory) holds a render of other inputs that is still in flight (render \(linked.id), "
                                      + "\(linked.requestID ?? "answer unknown")); finish it with `avatarpipe resume \(directory)` "
                                      + "or choose another --out")
        }
        if !same, linked.state == .rendered || FileManager.default.fileExists(atPath: renderPath) {
            throw RenderError.refused("\(directory) already holds a paid render (render.mp4 is never replaced); choose another --out")
        }
        return nil
    }

    /// The directory already holds this render: render.mp4 is put back if it went missing.
    func keep(_ linked: LedgerRender, journal: inout JobJournal, report: PreflightReport, session: JobSession) async throws -> RunOutcome {
        guard let sha = linked.videoSHA256, let video = try await ledger.video(sha256: sha) else {
            throw RenderError.storeDamaged("render \(linked.id) is marked rendered but the ledger has no video for it")
        }
        observer?.stage("cache", "\(session.directory) already holds the render of these inputs")
        var outcome = try await deliver(video, of: linked, journal: &journal, directory: session.directory, reused: true,
                                        note: "render \(linked.id) already here (nothing paid)")
        outcome.report = report
        return outcome
    }

    /// Puts the stored video at render.mp4 and writes the journal's last word.
    func deliver(_ video: LedgerVideo, of render: LedgerRender, journal: inout JobJournal, directory: String, reused: Bool,
                 note: String) async throws -> RunOutcome {
        try store.link(video, into: directory)
        journal.render = JobJournal.RenderRecord(video)
        if reused, journal.reusedFrom == nil, render.owner != nil { journal.reusedFrom = "render \(render.id) of \(ledger.location)" }
        try mirror(render, into: &journal, stage: .rendered, note, directory: directory)
        return RunOutcome(journal: journal, report: nil, reused: reused, renderID: render.id)
    }

    /// Copies what the ledger knows of the render into the journal and writes job.json.
    func mirror(_ render: LedgerRender, into journal: inout JobJournal, stage: JobJournal.Stage, _ note: String,
                directory: String) throws {
        journal.renderId = render.id
        journal.endpoint = render.endpoint
        journal.ledger = ledger.location
        if let submission = render.submission() { journal.submission = submission }
        journal.submitStartedAt = render.submitStartedAt ?? journal.submitStartedAt
        journal.outputURL = render.outputURL.map { client.http.redactor.url($0) } ?? journal.outputURL
        journal.serviceError = render.error ?? journal.serviceError
        journal.credits.before = render.creditsBefore ?? journal.credits.before
        if journal.stage == stage && journal.events.last?.message == note {
            try journal.save(in: directory)
        } else {
            try journal.record(stage, note, in: directory)
        }
    }

    func removeHosted(_ journal: inout JobJournal, directory: String) async {
        for index in journal.hosted.indices where !journal.hosted[index].removed {
            let record = journal.hosted[index]
            let file = HostedFile(url: record.url, key: record.key, expiresAt: record.expiresAt, contentType: record.contentType, bytes: 0)
            if (try? await host.remove(file)) != nil { journal.hosted[index].removed = true }
        }
        try? journal.save(in: directory)
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

    /// The prepared inputs' hashes and the parameters that shape the video. The endpoint is
    /// the other half of the ledger's key.
    func renderKey(_ prepared: PreparationResult, parameters: RenderParameters) -> String {
        RenderRunner.renderKey(prepared, parameters: parameters)
    }

    public static func renderKey(_ prepared: PreparationResult, parameters: RenderParameters) -> String {
        let parts = ["render-v1", prepared.photo?.sha256 ?? "", prepared.audio?.sha256 ?? "script"]
            + parameters.renderKeyParts(audioDriven: prepared.audio != nil)
        return FileHash.sha256(parts.joined(separator: "|"))
    }

    func writePreflight(_ checked: Preflight.Result, directory: String) throws {
        try RenderRunner.writePreflight(checked, directory: directory)
    }

    /// preflight.json and preflight.png (the photo with the face box, the crop and the verdict).
    public static func writePreflight(_ checked: Preflight.Result, directory: String) throws {
        try JobFilesystem.write(try JobFilesystem.encoder().encode(checked.report), to: (directory as NSString).appendingPathComponent("preflight.json"))
        if let image = checked.image {
            try? PreflightPicture.write(image, report: checked.report, to: (directory as NSString).appendingPathComponent("preflight.png"))
        }
    }
}

extension JobJournal.RenderRecord {
    init(_ video: LedgerVideo) {
        self.init(path: RenderRunner.renderFile, sha256: video.sha256, bytes: video.bytes, duration: video.duration, width: video.width,
                  height: video.height, videoCodec: video.videoCodec, audioCodec: video.audioCodec, verifiedAt: video.verifiedAt)
    }
}
