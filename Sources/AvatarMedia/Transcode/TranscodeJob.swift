/// What one pass over a source video makes: video renditions, each scaled and encoded once
/// and muxed into a file (MP4 or WebM) and/or an HLS media playlist; the audio decoded once
/// and encoded once per audio codec, its packets shared by every output that takes them.
public struct TranscodeJob: Sendable {
    public var source: String
    public var renditions: [TranscodeRendition]
    /// The HLS tree (master playlist plus a directory per rendition that has an `hlsName`).
    public var hls: HLSSettings?
    public var audio = AudioTreatment()
    /// A range of the source in seconds, cut on frame boundaries; nil keeps the whole video.
    public var trim: TrimRange?
    /// Seconds between keyframes, exactly: every output has keyframes at 0, k, 2k… and no others,
    /// so HLS segments of every rendition start at the same instants.
    public var keyframeInterval = 2.0
    /// Filters run over every frame at the source's size before it is scaled for the rungs
    /// (e.g. `ass` to burn captions in); their output is 4:2:0.
    public var videoFilters: [FilterSpec] = []
    /// Threads of the source's video decoder (0: FFmpeg chooses).
    public var decoderThreads = 0
    /// Decoded frames waiting for each rendition; they are references into the decoder's
    /// frame pool, so this bounds memory when one rendition is slower than the others.
    public var queueDepth = 4

    public init(source: String, renditions: [TranscodeRendition]) {
        self.source = source
        self.renditions = renditions
    }
}

/// One size of the video, encoded once.
public struct TranscodeRendition: Sendable, Equatable {
    public enum Container: String, Sendable { case mp4, webm }

    /// A short label, e.g. `720p`; the HLS directory when `hlsName` is not given.
    public var name: String
    /// Even numbers; the frame is scaled to exactly this size.
    public var width: Int
    public var height: Int
    public var video: VideoCodecSettings
    public var audio: AudioCodecSettings
    /// The file this rendition is written to (appearing only once complete), or nil for HLS only.
    public var file: String?
    public var container: Container = .mp4
    /// moov before mdat, so playback starts before the whole file is downloaded.
    public var faststart = true
    /// Included in the HLS tree as `hls/<hlsName>/index.m3u8` when set (needs AAC audio).
    public var hlsName: String?

    public init(name: String, width: Int, height: Int, video: VideoCodecSettings, audio: AudioCodecSettings = .aac,
                file: String?, container: Container = .mp4, hlsName: String? = nil) {
        self.name = name
        self.width = width
        self.height = height
        self.video = video
        self.audio = audio
        self.file = file
        self.container = container
        self.hlsName = hlsName
    }
}

/// A libavcodec video encoder and its options.
public struct VideoCodecSettings: Sendable, Equatable {
    /// libavcodec's encoder name: `libx264`, `libvpx-vp9`.
    public var codec: String
    /// The encoder's AVOptions, e.g. `preset`, `tune`, `crf`, `profile`, `x264-params` for libx264;
    /// `crf`, `deadline`, `cpu-used`, `row-mt` for libvpx-vp9.
    public var options: [String: String]
    /// The streaming cap (VBV): bits per second and buffer size in bits.
    public var maxRate: Int?
    public var bufferSize: Int?
    /// The encoder's own threads; renditions also run side by side, one thread each.
    public var threads: Int

    public init(codec: String, options: [String: String] = [:], maxRate: Int? = nil, bufferSize: Int? = nil, threads: Int = 1) {
        self.codec = codec
        self.options = options
        self.maxRate = maxRate
        self.bufferSize = bufferSize
        self.threads = threads
    }
}

/// A libavcodec audio encoder; every rendition with the same settings shares one encode.
public struct AudioCodecSettings: Sendable, Hashable {
    public var codec: String
    public var bitRate: Int

    public init(codec: String, bitRate: Int) {
        self.codec = codec
        self.bitRate = bitRate
    }

    /// AAC-LC, 128 kb/s: what MP4 and HLS players expect.
    public static let aac = AudioCodecSettings(codec: "aac", bitRate: 128_000)
    /// Opus, 96 kb/s, for WebM.
    public static let opus = AudioCodecSettings(codec: "libopus", bitRate: 96_000)
}

public struct HLSSettings: Sendable, Equatable {
    /// The tree's directory: `master.m3u8` and one directory per rendition go in it.
    public var directory: String
    /// Target segment length; segments are cut on keyframes, so this should be a multiple
    /// of the keyframe interval.
    public var segmentDuration = 6.0

    public init(directory: String, segmentDuration: Double = 6) {
        self.directory = directory
        self.segmentDuration = segmentDuration
    }
}

/// What happens to the audio on its way to the renditions (the source is only read).
public struct AudioTreatment: Sendable, Equatable {
    public var sampleRate = 48000
    /// Mono stays mono; more channels are downmixed to this many.
    public var maxChannels = 2
    /// Integrated loudness (LUFS, ITU-R BS.1770) to bring the audio to, measured over the
    /// output range in a first pass; nil keeps the level.
    public var loudnessTarget: Double?
    /// The limiter after the gain keeps the true peak under this level (dBTP). AAC's own
    /// overshoot adds a few tenths of a dB on decoding, so -1.5 here is -1 dBTP as played.
    public var peakCeiling = -1.5
    /// The most the gain may raise a quiet source, in dB (beyond it noise comes up too).
    public var maxGain = 24.0

    public init(loudnessTarget: Double? = nil) {
        self.loudnessTarget = loudnessTarget
    }
}

/// `[start, end)` in seconds of the source; `end` nil runs to the end.
public struct TrimRange: Sendable, Equatable {
    public var start: Double
    public var end: Double?

    public init(start: Double, end: Double?) {
        self.start = start
        self.end = end
    }
}
