import AvatarMedia
import Foundation

/// `manifest.json`: every output of a job with its bytes, SHA-256 and, for media, its
/// duration, size and codecs; the source's facts; the timings of each stage.
public struct Manifest: Codable, Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        /// Relative to the job directory.
        public var path: String
        /// `rendition`, `hls`, `webm`, `poster`, `thumbnail`, `storyboard`, `preview`, `captions`, `page`, `render`…
        public var role: String
        public var bytes: Int64
        public var sha256: String
        public var duration: Double?
        public var width: Int?
        public var height: Int?
        public var videoCodec: String?
        public var audioCodec: String?
        public var bitRate: Int?
        /// Anything else worth knowing about this file (e.g. the poster's score).
        public var details: [String: FactValue]?
    }

    public var schemaVersion = 1
    public var createdAt = Date()
    public var source: Entry?
    public var files: [Entry] = []
    /// The renditions' audio: loudness and true peak before and after, the gain, the limiter.
    public var audio: AudioOutcome?
    /// How the captions were timed: `aligned` to the speech, or spread over it when the
    /// alignment failed (nil: no captions).
    public var captions: String?
    /// Seconds each stage took.
    public var timings: [String: Double] = [:]
    public var notes: [String] = []

    public init() {}

    /// Describes `path` (relative to `directory`), probing media files.
    public static func entry(_ path: String, role: String, in directory: String, details: [String: FactValue]? = nil) throws -> Entry {
        let full = (directory as NSString).appendingPathComponent(path)
        let bytes = JobFilesystem.size(of: full) ?? 0
        var entry = Entry(path: path, role: role, bytes: bytes, sha256: try FileHash.sha256(ofFile: full), details: details)
        let mediaExtensions = ["mp4", "webm", "m4a", "png", "jpg", "jpeg", "webp", "gif", "ts", "m4s"]
        if mediaExtensions.contains((path as NSString).pathExtension.lowercased()), let info = try? MediaProbe.probe(full) {
            let video = info.firstVideo
            entry.duration = info.duration.flatMap { $0 > 0.05 ? $0 : nil }
            entry.width = video?.width.flatMap { $0 > 0 ? $0 : nil }
            entry.height = video?.height.flatMap { $0 > 0 ? $0 : nil }
            entry.videoCodec = video?.codec
            entry.audioCodec = info.firstAudio?.codec
            entry.bitRate = info.bitRate
        }
        return entry
    }

    public func write(to directory: String) throws {
        try JobFilesystem.write(try JobFilesystem.encoder().encode(self), to: (directory as NSString).appendingPathComponent("manifest.json"))
    }
}
