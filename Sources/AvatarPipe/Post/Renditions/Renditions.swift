import AvatarMedia
import Foundation

/// One file the renditions stage wrote, described for the manifest.
public struct RenditionFile: Codable, Sendable, Equatable {
    /// Relative to the output directory, e.g. `video-720p.mp4`, `hls/720p/index.m3u8`.
    public var path: String
    /// `rendition`, `webm`, `hls-master` or `hls-playlist`.
    public var role: String
    public var bytes: Int64
    public var duration: Double
    public var width: Int
    public var height: Int
    /// libavcodec's names (`h264`, `aac`, `vp9`, `opus`).
    public var videoCodec: String
    public var audioCodec: String?
    /// RFC 6381, for `<source type>` and HLS: `avc1.640028,mp4a.40.2`.
    public var codecs: String
    /// Average bits per second of the whole file (or, for a playlist, of its segments).
    public var bitRate: Int
    public var keyframeInterval: Double
    /// HLS playlists: the segments and the peak bandwidth the master playlist states.
    public var segments: Int?
    public var peakBitRate: Int?
}

public struct RenditionsResult: Codable, Sendable, Equatable {
    public var source: String
    public var files: [RenditionFile]
    public var frames: Int
    public var duration: Double
    public var frameRate: Double
    /// The source range the outputs hold (seconds), when trimmed.
    public var trimStart: Double?
    public var trimEnd: Double?
    /// Nil when the source has no audio: the renditions are then video only.
    public var audio: AudioOutcome?
    public var seconds: Double
}

public struct RenditionError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

/// The web renditions of a video: the MP4 ladder (+faststart), and on request the HLS tree
/// and a WebM, made in one pass (AvatarMedia's `Transcoder`): decoded once, each rung scaled
/// and encoded once, the audio normalised and encoded once. The source is only read.
public enum Renditions {
    public static func make(source: String, in directory: String, options: RenditionOptions = RenditionOptions(),
                            progress: ((TranscodeProgress) -> Void)? = nil) throws -> RenditionsResult {
        let info = try MediaProbe.probe(source)
        guard let video = info.firstVideo, let width = video.width, let height = video.height, width > 0, height > 0 else {
            throw MediaError(.noStream, path: source, info.firstAudio == nil ? "holds no video stream"
                             : "holds audio only: renditions need a video stream")
        }
        if let trim = options.trim {
            guard trim.start >= 0, trim.end.map({ $0 > trim.start }) ?? true else {
                throw RenditionError(path: source, message: "the trim must start at 0 s or later and end after it starts")
            }
            if let duration = video.duration ?? info.duration, trim.start >= duration {
                throw RenditionError(path: source, message: String(format: "the trim starts at %.2f s, after the video ends (%.2f s)", trim.start, duration))
            }
        }
        let ladder = RenditionLadder(sourceWidth: width, sourceHeight: height, steps: options.rungs)
        guard let top = ladder.rungs.first else {
            throw RenditionError(path: source, message: "no rung of \(options.rungs ?? []) fits a \(width)×\(height) video")
        }
        var renditions = ladder.rungs.map { rung in
            TranscodeRendition(name: rung.name, width: rung.width, height: rung.height, video: options.encoder.settings(for: rung),
                               file: path(directory, "video-\(rung.name).mp4"), hlsName: options.hls ? rung.name : nil)
        }
        if options.webm {
            let rung = ladder.rungs.first { $0.shortSide <= 1080 } ?? top
            renditions.append(TranscodeRendition(name: "webm", width: rung.width, height: rung.height, video: options.webmEncoder,
                                                 audio: .opus, file: path(directory, "video.webm"), container: .webm))
        }
        var job = TranscodeJob(source: source, renditions: renditions)
        job.hls = options.hls ? HLSSettings(directory: path(directory, "hls"), segmentDuration: options.segmentDuration) : nil
        job.audio.loudnessTarget = options.loudnessTarget
        job.trim = options.trim
        job.keyframeInterval = options.keyframeInterval
        if let script = options.burnCaptions { job.videoFilters = [FilterSpec("ass", [("filename", script)])] }
        let result = try Transcoder.run(job, progress: progress)
        return describe(result, in: directory, options: options)
    }

    private static func describe(_ result: TranscodeResult, in directory: String, options: RenditionOptions) -> RenditionsResult {
        var files: [RenditionFile] = []
        for rendition in result.renditions {
            guard let file = rendition.file else { continue }
            let bytes = rendition.bytes ?? 0
            files.append(RenditionFile(
                path: relative(file, to: directory), role: rendition.name == "webm" ? "webm" : "rendition", bytes: bytes,
                duration: result.duration, width: rendition.width, height: rendition.height, videoCodec: rendition.videoCodec,
                audioCodec: rendition.audioCodec,
                codecs: ([rendition.videoCodecString] + (rendition.audioCodecString.map { [$0] } ?? [])).joined(separator: ","),
                bitRate: Int((Double(bytes) * 8 / max(result.duration, 0.001)).rounded()), keyframeInterval: result.keyframeInterval))
        }
        if let hls = result.hls {
            let top = hls.playlists.first
            files.append(RenditionFile(
                path: relative(hls.master, to: directory), role: "hls-master", bytes: JobFilesystem.size(of: hls.master) ?? 0,
                duration: result.duration, width: top?.width ?? 0, height: top?.height ?? 0, videoCodec: "h264",
                audioCodec: result.audio == nil ? nil : "aac", codecs: top?.codecs ?? "",
                bitRate: top?.averageBandwidth ?? 0, keyframeInterval: result.keyframeInterval, peakBitRate: top?.bandwidth))
            for playlist in hls.playlists {
                files.append(RenditionFile(
                    path: relative(playlist.path, to: directory), role: "hls-playlist", bytes: JobFilesystem.size(of: playlist.path) ?? 0,
                    duration: playlist.segments.reduce(0) { $0 + $1.duration }, width: playlist.width, height: playlist.height,
                    videoCodec: "h264", audioCodec: result.audio == nil ? nil : "aac", codecs: playlist.codecs,
                    bitRate: playlist.averageBandwidth, keyframeInterval: result.keyframeInterval,
                    segments: playlist.segments.count, peakBitRate: playlist.bandwidth))
            }
        }
        return RenditionsResult(source: result.source, files: files, frames: result.frames, duration: result.duration,
                                frameRate: result.frameRate, trimStart: options.trim.map { _ in result.sourceStart },
                                trimEnd: options.trim.map { _ in result.sourceStart + result.duration }, audio: result.audio,
                                seconds: result.seconds)
    }

    private static func path(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    private static func relative(_ path: String, to directory: String) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path + "/"
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : full
    }
}
