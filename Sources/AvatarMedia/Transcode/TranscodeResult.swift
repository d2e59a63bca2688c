/// What a transcode made; every path is final (the files are in place).
public struct TranscodeResult: Sendable {
    public var source: String
    /// Video frames in every output.
    public var frames: Int
    /// Seconds of video in every output (frames × frame duration).
    public var duration: Double
    public var frameRate: Double
    /// The source instant (seconds) of the first frame: outputs start at 0 there.
    public var sourceStart: Double
    public var keyframeInterval: Double
    public var renditions: [TranscodedRendition]
    public var hls: HLSTree?
    /// Nil when the source has no audio (the outputs are then video only).
    public var audio: AudioOutcome?
    /// Seconds of wall time the pass took (the loudness scan included).
    public var seconds: Double
}

public struct TranscodedRendition: Sendable, Equatable {
    public var name: String
    public var width: Int
    public var height: Int
    public var file: String?
    public var bytes: Int64?
    /// libavcodec's names, e.g. `h264` and `aac`.
    public var videoCodec: String
    public var audioCodec: String?
    /// RFC 6381 codec strings for `<source type>` and HLS `CODECS`, e.g. `avc1.640028`, `mp4a.40.2`.
    public var videoCodecString: String
    public var audioCodecString: String?
    /// Bytes of encoded video and audio (the payload, without the container).
    public var videoBytes: Int64
    public var audioBytes: Int64
    /// Keyframes the encoder produced.
    public var keyframes: Int
}

public struct HLSTree: Sendable, Equatable {
    public var directory: String
    public var master: String
    public var playlists: [HLSMediaPlaylist]
}

public struct HLSMediaPlaylist: Sendable, Equatable {
    public var name: String
    /// The media playlist's path.
    public var path: String
    public var width: Int
    public var height: Int
    public var segments: [HLSSegment]
    /// Peak and average bits per second over the segments, as the master playlist states them.
    public var bandwidth: Int
    public var averageBandwidth: Int
    public var codecs: String
}

public struct HLSSegment: Sendable, Equatable {
    public var file: String
    public var duration: Double
    public var bytes: Int64
}

/// The outputs' audio: its format, and its loudness (LUFS, BS.1770) and true peak (dBTP)
/// before and after the gain and the true-peak limiter.
public struct AudioOutcome: Codable, Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// The loudness asked for; nil when the level was kept.
    public var target: Double?
    /// Integrated loudness (LUFS) and true peak (dBTP) of the source over the output range.
    public var sourceLoudness: Double?
    public var sourceTruePeak: Double?
    /// The gain applied, in dB (0 when the level is kept).
    public var gain: Double
    /// Integrated loudness and true peak of what was encoded (after gain and limiter).
    public var outputLoudness: Double?
    public var outputTruePeak: Double?
    /// The most the limiter reduced the level, in dB (0: it never acted).
    public var limiterReduction: Double
}

/// Frames every rendition has encoded so far; `totalFrames` when the length is known.
public struct TranscodeProgress: Sendable, Equatable {
    public var framesDone: Int
    public var totalFrames: Int?
}
