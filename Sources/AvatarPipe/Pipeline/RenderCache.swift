import Foundation

/// Renders already paid for, by render key (a hash of the prepared inputs and the
/// parameters that shape the video), across job directories: a second run on the same
/// inputs reuses the video, or resumes the render in flight, instead of paying again.
/// Lives in AVATARPIPE_CACHE, else $XDG_CACHE_HOME/avatarpipe, else ~/.cache/avatarpipe.
public struct RenderCache: Sendable {
    public let directory: String

    public struct Entry: Codable, Sendable, Equatable {
        public var renderKey: String
        public var jobDirectory: String
        public var stage: JobJournal.Stage
        public var requestID: String?
        /// The cached copy of render.mp4 and its hash, once rendered.
        public var video: String?
        public var sha256: String?
        public var updatedAt: Date

        enum CodingKeys: String, CodingKey {
            case renderKey, jobDirectory, stage, requestID = "requestId", video, sha256, updatedAt
        }
    }

    public init(directory: String) {
        self.directory = directory
    }

    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> RenderCache {
        if let explicit = environment["AVATARPIPE_CACHE"], !explicit.isEmpty { return RenderCache(directory: explicit) }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return RenderCache(directory: (environment["XDG_CACHE_HOME"] ?? "\(home)/.cache") + "/avatarpipe")
    }

    func indexPath(_ key: String) -> String { "\(directory)/index/\(key).json" }
    func videoPath(_ key: String) -> String { "\(directory)/renders/\(key).mp4" }

    public func entry(for key: String) -> Entry? {
        guard let data = FileManager.default.contents(atPath: indexPath(key)) else { return nil }
        return try? JobFilesystem.decoder().decode(Entry.self, from: data)
    }

    /// Records where a render of `key` stands.
    public func record(_ journal: JobJournal, jobDirectory: String) throws {
        guard let key = journal.renderKey else { return }
        var entry = entry(for: key) ?? Entry(renderKey: key, jobDirectory: jobDirectory, stage: journal.stage, updatedAt: Date())
        entry.jobDirectory = absolute(jobDirectory)
        entry.stage = journal.stage
        entry.requestID = journal.submission?.requestID ?? entry.requestID
        entry.updatedAt = Date()
        try FileManager.default.createDirectory(atPath: "\(directory)/index", withIntermediateDirectories: true)
        try JobFilesystem.write(try JobFilesystem.encoder().encode(entry), to: indexPath(key))
    }

    /// Keeps a copy of a verified render (a hard link when the cache is on the same disk).
    public func store(_ render: JobJournal.RenderRecord, key: String, jobDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: "\(directory)/renders", withIntermediateDirectories: true)
        let target = videoPath(key)
        if !FileManager.default.fileExists(atPath: target) {
            let source = (jobDirectory as NSString).appendingPathComponent(render.path)
            if (try? FileManager.default.linkItem(atPath: source, toPath: target)) == nil {
                try FileManager.default.copyItem(atPath: source, toPath: target)
            }
        }
        guard var entry = entry(for: key) else { return }
        entry.video = target
        entry.sha256 = render.sha256
        entry.stage = .rendered
        entry.updatedAt = Date()
        try JobFilesystem.write(try JobFilesystem.encoder().encode(entry), to: indexPath(key))
    }

    /// The cached video of `key`, when its content still has the recorded hash.
    public func video(for key: String) -> (path: String, sha256: String)? {
        guard let entry = entry(for: key), let video = entry.video, let sha = entry.sha256,
              (try? FileHash.sha256(ofFile: video)) == sha else { return nil }
        return (video, sha)
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
