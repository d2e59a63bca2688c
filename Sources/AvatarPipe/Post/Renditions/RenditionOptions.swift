import AvatarMedia

/// What `Renditions.make` produces besides the default MP4 ladder, and how.
public struct RenditionOptions: Sendable, Equatable {
    /// An HLS tree (`hls/master.m3u8`, one playlist and its segments per rung) from the same packets.
    public var hls = false
    /// `video.webm` (VP9 + Opus) at the top rung (at most 1080p). Slow on two cores.
    public var webm = false
    /// Integrated loudness (LUFS) for the renditions' audio; nil keeps the source's level.
    public var loudnessTarget: Double? = -16
    /// A range of the source, `[start, end)` in seconds, cut on frame boundaries.
    public var trim: TrimRange?
    /// An ASS script (see `BurnedCaptions`) drawn into every rendition; nil draws nothing.
    public var burnCaptions: String?
    /// Short sides of the rungs instead of the default ladder (larger than the source: left out).
    public var rungs: [Int]?
    public var encoder = RenditionEncoder.talkingHead
    public var webmEncoder = VideoCodecSettings(codec: "libvpx-vp9", options: [
        "crf": "33", "b": "0", "deadline": "good", "cpu-used": "5", "row-mt": "1", "tile-columns": "1",
    ], threads: 2)
    /// Seconds between keyframes (exact; HLS segments are cut on them).
    public var keyframeInterval = 2.0
    /// Target HLS segment length: a multiple of the keyframe interval, 4–6 s.
    public var segmentDuration = 6.0

    public init() {}
}

/// libx264 settings for the renditions, per rung.
///
/// Chosen for a mostly still talking head, measured against ffmpeg's defaults (medium,
/// CRF 23, psy-rd on, keyint 250) on a 30 s 1080p30 clip (scripts/bench-post.sh): `veryfast`
/// with SSIM-oriented tuning (psy off, aq-mode 2), B-frame runs and three reference frames
/// give equal or better SSIM in 15–40% fewer bytes at well under half the CPU time, even with
/// a keyframe every 2 s. Memory decides the rest: each frame x264 holds in its lookahead or
/// B-frame run costs in proportion to the picture (about 10 MB at 1080p with 8 B-frames), and
/// all rungs encode at once, so the large rungs get a short lookahead and B-frame run and the
/// small ones, where they cost little, a long one (the whole pass stays under 400 MB at 1080p).
public struct RenditionEncoder: Sendable, Equatable {
    public var preset: String
    public var tune: String?
    public var crf: Double
    /// `x264-params` for every rung (key=value:key=value) instead of the per-size ones.
    public var params: String?
    /// x264's own threads per rung; the rungs also run side by side.
    public var threads: Int

    public init(preset: String, tune: String?, crf: Double, params: String? = nil, threads: Int) {
        self.preset = preset
        self.tune = tune
        self.crf = crf
        self.params = params
        self.threads = threads
    }

    public static let talkingHead = RenditionEncoder(preset: "veryfast", tune: "ssim", crf: 22, threads: 1)

    /// B-frames, references and lookahead by the rung's short side (see above).
    public static func params(shortSide: Int) -> String {
        switch shortSide {
        case 1080...: return "bframes=3:ref=2:rc-lookahead=6"
        case 720...: return "bframes=5:ref=3:rc-lookahead=8"
        default: return "bframes=8:ref=3:rc-lookahead=12"
        }
    }

    /// The encoder settings of one rung, with a streaming cap (maxrate, a 2 s buffer) by size.
    public func settings(for rung: RenditionLadder.Rung) -> VideoCodecSettings {
        var options = ["preset": preset, "crf": String(crf), "profile": "high",
                       "x264-params": params ?? RenditionEncoder.params(shortSide: rung.shortSide)]
        if let tune { options["tune"] = tune }
        let cap = RenditionEncoder.maxRate(shortSide: rung.shortSide)
        return VideoCodecSettings(codec: "libx264", options: options, maxRate: cap, bufferSize: cap * 2, threads: threads)
    }

    /// Bits per second a rung may peak at: far above what a talking head needs at these
    /// CRFs, so the cap only catches bursts that would stall a player on a slow link.
    public static func maxRate(shortSide: Int) -> Int {
        switch shortSide {
        case 1440...: return 12_000_000
        case 1080...: return 6_000_000
        case 720...: return 3_500_000
        case 480...: return 1_800_000
        default: return 1_000_000
        }
    }
}
