import CFFmpeg

/// An MP4 (or other container) with one video stream and optionally one audio stream,
/// written from YUV frames and planar float audio. Timestamps run from zero in both
/// streams; the caller feeds them in time order (video frame, then the audio up to its end)
/// so the muxer's interleaving queue stays short. The file appears at `path` only when
/// `finish()` succeeds; with `faststart` the moov atom is moved before mdat.
public final class MovieWriter {
    public struct Settings: Sendable {
        public var width: Int
        public var height: Int
        public var frameRate: Int
        public var videoCodec = "libx264"
        /// Private options of the video codec, e.g. ["preset": "veryfast", "tune": "stillimage", "crf": "23"].
        public var videoOptions: [String: String] = [:]
        public var keyframeInterval: Int?
        public var maxRate: Int?
        public var bufferSize: Int?
        public var audioSampleRate: Int? = 48000
        public var audioChannels = 1
        public var audioCodec = "aac"
        public var audioBitRate = 128_000
        public var container = "mp4"
        public var faststart = true

        public init(width: Int, height: Int, frameRate: Int) {
            self.width = width
            self.height = height
            self.frameRate = frameRate
        }
    }

    public let path: String
    public let settings: Settings
    private let temporary: String
    private let muxer: Muxer
    private let video: VideoEncoder
    private let audio: AudioEncoder?
    private let videoStream: Int32
    private let audioStream: Int32
    public private(set) var framesWritten: Int64 = 0
    private var finished = false

    public init(path: String, settings: Settings) throws {
        self.path = path
        self.settings = settings
        temporary = AtomicFile.temporaryPath(for: path)
        muxer = try Muxer(path: temporary, format: settings.container)
        var videoSettings = VideoEncoder.Settings(codecName: settings.videoCodec, width: settings.width, height: settings.height,
                                                  frameRate: settings.frameRate)
        videoSettings.options = settings.videoOptions
        videoSettings.keyframeInterval = settings.keyframeInterval
        videoSettings.maxRate = settings.maxRate
        videoSettings.bufferSize = settings.bufferSize
        video = try VideoEncoder(videoSettings, globalHeader: muxer.wantsGlobalHeader, path: path)
        videoStream = try muxer.addStream(for: video.codecContext)
        if let rate = settings.audioSampleRate {
            let encoder = try AudioEncoder(codecName: settings.audioCodec, sampleRate: rate, channels: settings.audioChannels,
                                           bitRate: settings.audioBitRate, globalHeader: muxer.wantsGlobalHeader, path: path)
            audio = encoder
            audioStream = try muxer.addStream(for: encoder.codecContext)
        } else {
            audio = nil
            audioStream = -1
        }
        try muxer.writeHeader(options: settings.faststart && settings.container == "mp4" ? ["movflags": "+faststart"] : [:])
    }

    deinit {
        if !finished { AtomicFile.discard(temporary) }
    }

    /// Encodes the next video frame (its timestamp is the count of frames before it).
    public func write(_ frame: YUVFrame) throws {
        frame.frame.pointer.pointee.pts = framesWritten
        framesWritten += 1
        let timeBase = video.codecContext.pointee.time_base
        try video.encode(frame.frame.pointer) { try muxer.write($0, stream: videoStream, timeBase: timeBase) }
    }

    /// Encodes audio samples (planar float, the writer's channel count).
    public func write(audio channelData: [UnsafeBufferPointer<Float>], frames: Int) throws {
        guard let audio else { return }
        let timeBase = audio.codecContext.pointee.time_base
        try audio.encode(channelData, frames: frames) { try muxer.write($0, stream: audioStream, timeBase: timeBase) }
    }

    /// Flushes both encoders, writes the trailer (moving moov to the front) and moves the
    /// file into place.
    public func finish() throws {
        let videoTimeBase = video.codecContext.pointee.time_base
        try video.finish { try muxer.write($0, stream: videoStream, timeBase: videoTimeBase) }
        if let audio {
            let audioTimeBase = audio.codecContext.pointee.time_base
            try audio.finish { try muxer.write($0, stream: audioStream, timeBase: audioTimeBase) }
        }
        try muxer.finish()
        try AtomicFile.commit(temporary, to: path)
        finished = true
    }
}
