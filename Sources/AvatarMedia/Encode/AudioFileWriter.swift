/// An audio file written from planar float blocks: 16-bit PCM WAV, or MP3 through libmp3lame.
/// The file appears at `path` only when `finish()` succeeds (written to a temporary name first).
public final class AudioFileWriter {
    public enum Container: String, Sendable {
        case wav, mp3

        var codec: String { self == .wav ? "pcm_s16le" : "libmp3lame" }
    }

    public let path: String
    public let sampleRate: Int
    public let channels: Int
    private let temporary: String
    private let muxer: Muxer
    private let encoder: AudioEncoder
    private let streamIndex: Int32
    private var finished = false

    public init(path: String, container: Container, sampleRate: Int, channels: Int, bitRate: Int? = nil) throws {
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        temporary = AtomicFile.temporaryPath(for: path)
        muxer = try Muxer(path: temporary, format: container.rawValue)
        encoder = try AudioEncoder(codecName: container.codec, sampleRate: sampleRate, channels: channels,
                                   bitRate: container == .mp3 ? (bitRate ?? 192_000) : nil,
                                   globalHeader: muxer.wantsGlobalHeader, path: path)
        streamIndex = try muxer.addStream(for: encoder.codecContext)
        try muxer.writeHeader()
    }

    deinit {
        if !finished { AtomicFile.discard(temporary) }
    }

    /// Appends `frames` samples of each channel (planar float, -1…1).
    public func write(_ channelData: [UnsafeBufferPointer<Float>], frames: Int) throws {
        let timeBase = encoder.codecContext.pointee.time_base
        try encoder.encode(channelData, frames: frames) { try muxer.write($0, stream: streamIndex, timeBase: timeBase) }
    }

    /// Flushes, writes the trailer, syncs and moves the file into place.
    public func finish() throws {
        let timeBase = encoder.codecContext.pointee.time_base
        try encoder.finish { try muxer.write($0, stream: streamIndex, timeBase: timeBase) }
        try muxer.finish()
        try AtomicFile.commit(temporary, to: path)
        finished = true
    }
}
