import AvatarMedia
import Foundation

/// Everything `index.html` shows, as plain values: what the manifest stage knows, or what
/// `gather(jobDirectory:title:)` finds in a job directory. Paths are relative to the page.
public struct PageContent: Codable, Sendable, Equatable {
    public var title: String
    /// A line under the title (e.g. the script's first words).
    public var subtitle: String?
    /// Every file to offer for download; the video's sources are taken from these.
    public var files: [PageFile]
    /// The poster image, `poster.png` in a job directory.
    public var poster: String?
    public var captions: [PageCaptionTrack]
    /// The WebVTT thumbnail track, `storyboard.vtt`.
    public var storyboardTrack: String?
    public var preflight: PagePreflight?
    public var notes: [String]

    public init(title: String, subtitle: String? = nil, files: [PageFile] = [], poster: String? = nil,
                captions: [PageCaptionTrack] = [], storyboardTrack: String? = nil, preflight: PagePreflight? = nil,
                notes: [String] = []) {
        self.title = title
        self.subtitle = subtitle
        self.files = files
        self.poster = poster
        self.captions = captions
        self.storyboardTrack = storyboardTrack
        self.preflight = preflight
        self.notes = notes
    }

    /// The MP4 renditions, largest first (by pixels, then bytes).
    public var renditions: [PageFile] {
        files.filter { $0.role == .rendition }.sorted { a, b in
            let pa = (a.width ?? 0) * (a.height ?? 0), pb = (b.width ?? 0) * (b.height ?? 0)
            return pa != pb ? pa > pb : (a.bytes ?? 0) > (b.bytes ?? 0)
        }
    }

    /// The video's length as the largest source knows it.
    public var duration: Double? {
        (renditions + files.filter { $0.role == .webm || $0.role == .hls }).lazy.compactMap(\.duration).first
    }
}

/// One file of the job as the page lists it.
public struct PageFile: Codable, Sendable, Equatable {
    /// What a file is for. The names match the manifest's roles; any other string is allowed.
    public struct Role: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        /// An MP4 (H.264/AAC) rendition: a `<source>` of the video.
        public static let rendition: Role = "rendition"
        /// The HLS master playlist: a `<source>` of the video.
        public static let hls: Role = "hls"
        /// The VP9/Opus WebM: a `<source>` of the video.
        public static let webm: Role = "webm"
        public static let poster: Role = "poster"
        public static let thumbnail: Role = "thumbnail"
        public static let storyboard: Role = "storyboard"
        public static let preview: Role = "preview"
        public static let captions: Role = "captions"
        public static let manifest: Role = "manifest"
        public static let preflight: Role = "preflight"
        /// The paid-for video exactly as downloaded.
        public static let render: Role = "render"
    }

    public var path: String
    public var role: Role
    public var bytes: Int64?
    public var width: Int?
    public var height: Int?
    public var duration: Double?
    public var videoCodec: String?
    public var audioCodec: String?
    /// What the download list calls it; nil lets the page name it from its role and size.
    public var label: String?

    public init(path: String, role: Role, bytes: Int64? = nil, width: Int? = nil, height: Int? = nil, duration: Double? = nil,
                videoCodec: String? = nil, audioCodec: String? = nil, label: String? = nil) {
        self.path = path
        self.role = role
        self.bytes = bytes
        self.width = width
        self.height = height
        self.duration = duration
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.label = label
    }

    /// Describes the file at `path` (relative to `directory`): its size, and for media its
    /// picture size, duration and codecs as libavformat reads them.
    public static func describe(_ path: String, role: Role, in directory: String, label: String? = nil) -> PageFile {
        let full = (directory as NSString).appendingPathComponent(path)
        var file = PageFile(path: path, role: role, bytes: JobFilesystem.size(of: full), label: label)
        let media = ["mp4", "webm", "m3u8", "png", "jpg", "jpeg", "webp", "gif"]
        if media.contains((path as NSString).pathExtension.lowercased()), let info = try? MediaProbe.probe(full) {
            let video = info.firstVideo
            file.width = video?.width
            file.height = video?.height
            file.duration = info.duration.flatMap { $0 > 0.05 ? $0 : nil }
            file.videoCodec = video?.codec
            file.audioCodec = info.firstAudio?.codec
        }
        return file
    }
}

/// A `<track kind="captions">`.
public struct PageCaptionTrack: Codable, Sendable, Equatable {
    public var path: String
    /// BCP 47, e.g. `en`.
    public var language: String
    public var label: String
    /// Shown without the viewer turning it on.
    public var isDefault: Bool

    public init(path: String, language: String = "en", label: String = "English", isDefault: Bool = true) {
        self.path = path
        self.language = language
        self.label = label
        self.isDefault = isDefault
    }
}

/// The preflight's verdict and findings, and its picture (photo, face box, crop frame).
public struct PagePreflight: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var level: Level
        public var code: String
        public var message: String

        public init(level: Level, code: String, message: String) {
            self.level = level
            self.code = code
            self.message = message
        }
    }

    public var verdict: Level
    public var findings: [Item]
    /// `preflight.png` when the job has it.
    public var picture: String?

    public init(verdict: Level, findings: [Item], picture: String? = nil) {
        self.verdict = verdict
        self.findings = findings
        self.picture = picture
    }

    public init(report: PreflightReport, picture: String? = nil) {
        self.init(verdict: report.verdict, findings: report.findings.map { Item(level: $0.level, code: $0.code, message: $0.message) },
                  picture: picture)
    }

    /// Reads `preflight.json` as `check --json` writes it (only the verdict and findings).
    public static func read(_ path: String, picture: String? = nil) throws -> PagePreflight {
        struct Report: Decodable {
            var verdict: Level
            var findings: [Item]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        return PagePreflight(verdict: report.verdict, findings: report.findings, picture: picture)
    }
}

extension PageContent {
    /// The page of a job directory laid out as DESIGN.md says: the renditions
    /// (`video-*.mp4`), `hls/master.m3u8`, `video.webm`, the pictures, the captions, the
    /// manifest, the preflight report and picture, and `render.mp4`, each when present.
    public static func gather(jobDirectory directory: String, title: String) -> PageContent {
        let manager = FileManager.default
        func exists(_ path: String) -> Bool { manager.fileExists(atPath: (directory as NSString).appendingPathComponent(path)) }
        func names(in folder: String) -> [String] {
            ((try? manager.contentsOfDirectory(atPath: (directory as NSString).appendingPathComponent(folder))) ?? []).sorted()
        }
        var content = PageContent(title: title)
        let renditions = names(in: ".").filter { $0.hasPrefix("video") && $0.hasSuffix(".mp4") }
        content.files += renditions.map { PageFile.describe($0, role: .rendition, in: directory) }
        if exists("hls/master.m3u8") { content.files.append(PageFile.describe("hls/master.m3u8", role: .hls, in: directory)) }
        if exists("video.webm") { content.files.append(PageFile.describe("video.webm", role: .webm, in: directory)) }
        if exists(PictureMaker.posterName) {
            content.poster = PictureMaker.posterName
            content.files.append(PageFile.describe(PictureMaker.posterName, role: .poster, in: directory))
        }
        for name in names(in: PictureMaker.thumbnailDirectory) where name.hasSuffix(".jpg") || name.hasSuffix(".png") {
            content.files.append(PageFile.describe(PictureMaker.thumbnailDirectory + "/" + name, role: .thumbnail, in: directory))
        }
        if exists(PictureMaker.storyboardTrackName) {
            content.storyboardTrack = PictureMaker.storyboardTrackName
            content.files.append(PageFile.describe(PictureMaker.storyboardTrackName, role: .storyboard, in: directory))
        }
        if exists(PictureMaker.storyboardImageName) {
            content.files.append(PageFile.describe(PictureMaker.storyboardImageName, role: .storyboard, in: directory))
        }
        for name in ["preview.webp", "preview.gif"] where exists(name) {
            var file = PageFile.describe(name, role: .preview, in: directory)
            // libavformat cannot read an animated WebP's size; the manifest has it from the writer.
            if file.width == nil || file.width == 0, let entry = manifestEntry(name, in: directory) {
                (file.width, file.height) = (entry.width, entry.height)
            }
            content.files.append(file)
        }
        if exists("captions.vtt") {
            content.captions = [PageCaptionTrack(path: "captions.vtt")]
            content.files.append(PageFile.describe("captions.vtt", role: .captions, in: directory))
        }
        if exists("captions.srt") { content.files.append(PageFile.describe("captions.srt", role: .captions, in: directory)) }
        if exists("manifest.json") { content.files.append(PageFile.describe("manifest.json", role: .manifest, in: directory)) }
        if exists("preflight.json") {
            let picture = exists("preflight.png") ? "preflight.png" : nil
            content.preflight = try? PagePreflight.read((directory as NSString).appendingPathComponent("preflight.json"), picture: picture)
            content.files.append(PageFile.describe("preflight.json", role: .preflight, in: directory))
            if let picture { content.files.append(PageFile.describe(picture, role: .preflight, in: directory)) }
        }
        if exists("render.mp4") { content.files.append(PageFile.describe("render.mp4", role: .render, in: directory)) }
        return content
    }

    private static func manifestEntry(_ path: String, in directory: String) -> Manifest.Entry? {
        let url = URL(fileURLWithPath: (directory as NSString).appendingPathComponent("manifest.json"))
        guard let data = try? Data(contentsOf: url), let manifest = try? JobFilesystem.decoder().decode(Manifest.self, from: data) else { return nil }
        return manifest.files.first { $0.path == path }
    }
}
