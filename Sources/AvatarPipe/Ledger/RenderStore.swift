import AvatarMedia
import Foundation

/// The paid-for videos on this machine, beside the ledger: `renders/<sha256>.mp4`, one copy
/// per render however many job directories use it, and `downloads/<request id>.mp4`, the
/// partial download of each request (never another's). A job's `render.mp4` is a hard link
/// of the stored copy (a copy when the job is on another filesystem).
public struct RenderStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Where the download of `requestID` grows; its name comes from the id alone.
    public func partialPath(requestID: String) -> String {
        let safe = requestID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return "\(directory)/downloads/\(String(safe.prefix(120))).mp4"
    }

    public func absolute(_ video: LedgerVideo) -> String {
        video.path.hasPrefix("/") ? video.path : "\(directory)/\(video.path)"
    }

    /// Moves a verified download into the store under its hash; returns the stored path,
    /// relative to the store.
    public func adopt(_ download: String, sha256: String) throws -> String {
        let relative = "renders/\(sha256).mp4"
        let target = "\(directory)/\(relative)"
        try FileManager.default.createDirectory(atPath: "\(directory)/renders", withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target), (try? FileHash.sha256(ofFile: target)) == sha256 {
            unlink(download)
            return relative
        }
        try AtomicFile.commit(download, to: target)
        return relative
    }

    /// Puts the stored video at `DIR/render.mp4`, whole or not at all. A render.mp4 that is
    /// already this video stays; any other is never replaced.
    public func link(_ video: LedgerVideo, into jobDirectory: String) throws {
        let source = absolute(video)
        let target = (jobDirectory as NSString).appendingPathComponent(RenderRunner.renderFile)
        guard (try? FileHash.sha256(ofFile: source)) == video.sha256 else {
            throw RenderError.storeDamaged("the stored copy \(source) of render \(video.sha256.prefix(16)) is missing or no longer "
                                           + "matches its hash")
        }
        if FileManager.default.fileExists(atPath: target) {
            if (try? FileHash.sha256(ofFile: target)) == video.sha256 { return }
            throw RenderError.refused("\(jobDirectory) already holds another render.mp4 (a paid render is never replaced); choose another --out")
        }
        let temporary = AtomicFile.temporaryPath(for: target)
        if hardLink(source, temporary) != 0 {
            do {
                try FileManager.default.copyItem(atPath: source, toPath: temporary)
            } catch {
                AtomicFile.discard(temporary)
                throw error
            }
        }
        do {
            try AtomicFile.commit(temporary, to: target)
        } catch {
            AtomicFile.discard(temporary)
            throw error
        }
    }

    /// A download that failed verification, kept in the job directory as
    /// `render.rejected-N.mp4` (never deleted while it may be the only copy).
    public func setAside(_ download: String, in jobDirectory: String) throws -> String {
        var number = 1
        var target: String
        repeat {
            target = (jobDirectory as NSString).appendingPathComponent("render.rejected-\(number).mp4")
            number += 1
        } while FileManager.default.fileExists(atPath: target)
        if rename(download, target) != 0 {
            try FileManager.default.copyItem(atPath: download, toPath: target)
            unlink(download)
        }
        return target
    }
}

/// link(2): fails across filesystems (EXDEV), where the caller copies instead.
private func hardLink(_ source: String, _ target: String) -> Int32 {
    link(source, target)
}
