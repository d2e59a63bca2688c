import CFFmpeg

/// One block of decoded audio: planar 32-bit float, one buffer per channel, valid only
/// during the callback that receives it.
public struct AudioBlock {
    public let frames: Int
    public let channels: [UnsafeBufferPointer<Float>]

    public init(frames: Int, channels: [UnsafeBufferPointer<Float>]) {
        self.frames = frames
        self.channels = channels
    }

    /// The first `frames` samples of per-channel arrays, as a block for the duration of `body`
    /// (nothing happens for 0 frames).
    public static func with(_ arrays: [[Float]], frames: Int, _ body: (AudioBlock) throws -> Void) throws {
        guard frames > 0 else { return }
        func nest(_ index: Int, _ collected: [UnsafeBufferPointer<Float>]) throws {
            if index == arrays.count { return try body(AudioBlock(frames: frames, channels: collected)) }
            try arrays[index].withUnsafeBufferPointer { try nest(index + 1, collected + [UnsafeBufferPointer(rebasing: $0[0..<frames])]) }
        }
        try nest(0, [])
    }
}

public struct AudioReadSummary: Sendable, Equatable {
    /// Sample frames delivered, at the output rate.
    public var frames: Int64 = 0
    /// Packets the decoder rejected as damaged; decoding went on after each.
    public var damagedPackets: Int = 0
}

/// Decodes the best audio stream of a file to planar float at a chosen rate and channel
/// count (libswresample), streaming: only one block is in memory at a time, so a 10-minute
/// file costs no more memory than a 10-second one.
public final class AudioReader {
    public let path: String
    public let codec: String
    public let sourceSampleRate: Int
    public let sourceChannels: Int
    public let outputSampleRate: Int
    public let outputChannels: Int
    /// The ITU-R BS.1770 weight of each output channel (LFE 0, surrounds 1.41, others 1).
    public let channelWeights: [Double]

    private let demuxer: Demuxer
    private let decoder: Decoder
    private let streamIndex: Int32
    private let converter: AudioFrameConverter

    /// `sampleRate` nil keeps the file's rate; `mono` downmixes, otherwise channels are kept.
    public convenience init(path: String, sampleRate: Int? = nil, mono: Bool = false) throws {
        try self.init(path: path, sampleRate: sampleRate, channels: mono ? 1 : nil)
    }

    /// `channels` nil keeps the file's channels; 1 or 2 downmixes (or upmixes) to that count.
    public init(path: String, sampleRate: Int?, channels requested: Int?) throws {
        self.path = path
        demuxer = try Demuxer(path: path)
        // Some demuxers (MP3, AAC) leave the rate and channels to be found by decoding a little.
        try demuxer.findStreamInfo()
        guard let index = demuxer.bestStream(AVMEDIA_TYPE_AUDIO) else {
            throw MediaError(.noStream, path: path, "holds no audio stream")
        }
        streamIndex = index
        decoder = try Decoder(stream: demuxer.stream(index), path: path)
        let context = decoder.codecContext.pointee
        codec = String(optionalCString: avcodec_get_name(context.codec_id)) ?? "unknown"
        sourceSampleRate = Int(context.sample_rate)
        sourceChannels = Int(context.ch_layout.nb_channels)
        guard sourceSampleRate > 0, sourceChannels > 0 else {
            throw MediaError(.corrupt, path: path, "declares \(sourceChannels) channels at \(sourceSampleRate) Hz")
        }
        outputSampleRate = sampleRate ?? sourceSampleRate
        var outputLayout = AVChannelLayout()
        defer { av_channel_layout_uninit(&outputLayout) }
        av_channel_layout_default(&outputLayout, Int32(requested ?? sourceChannels))
        if requested == nil || requested == sourceChannels, context.ch_layout.order != AV_CHANNEL_ORDER_UNSPEC {
            var source = context.ch_layout
            _ = av_channel_layout_copy(&outputLayout, &source)
        }
        outputChannels = Int(outputLayout.nb_channels)
        channelWeights = AudioReader.weights(of: &outputLayout)
        converter = AudioFrameConverter(path: path, sampleRate: outputSampleRate, layout: outputLayout)
    }

    /// Decodes the whole stream, calling `body` for each block.
    @discardableResult
    public func read(_ body: (AudioBlock) throws -> Void) throws -> AudioReadSummary {
        var summary = AudioReadSummary()
        let packet = try Packet()
        let frame = try Frame()
        var inputDone = false
        while true {
            switch try receive(into: frame, summary: &summary) {
            case .frame:
                try convert(frame.pointer, summary: &summary, body)
                frame.unref()
            case .finished:
                try flushResampler(summary: &summary, body)
                return summary
            case .needsInput:
                if inputDone { try flushResampler(summary: &summary, body); return summary }
                if try demuxer.read(into: packet) {
                    defer { packet.unref() }
                    guard packet.streamIndex == streamIndex else { continue }
                    do { _ = try decoder.send(packet) } catch let error as FFmpegError where error.isDamagedData {
                        summary.damagedPackets += 1
                    }
                } else {
                    _ = try decoder.send(nil)
                    inputDone = true
                }
            }
        }
    }

    private func receive(into frame: Frame, summary: inout AudioReadSummary) throws -> Decoder.Output {
        do {
            return try decoder.receive(into: frame)
        } catch let error as FFmpegError where error.isDamagedData {
            summary.damagedPackets += 1
            return .needsInput
        }
    }

    private func convert(_ frame: UnsafeMutablePointer<AVFrame>, summary: inout AudioReadSummary, _ body: (AudioBlock) throws -> Void) throws {
        try converter.convert(frame) { block in
            summary.frames += Int64(block.frames)
            try body(block)
        }
    }

    private func flushResampler(summary: inout AudioReadSummary, _ body: (AudioBlock) throws -> Void) throws {
        try converter.flush { block in
            summary.frames += Int64(block.frames)
            try body(block)
        }
    }

    static func weights(of layout: inout AVChannelLayout) -> [Double] {
        (0..<layout.nb_channels).map { index in
            let channel = av_channel_layout_channel_from_index(&layout, UInt32(index))
            switch channel {
            case AV_CHAN_LOW_FREQUENCY, AV_CHAN_LOW_FREQUENCY_2:
                return 0
            case AV_CHAN_SIDE_LEFT, AV_CHAN_SIDE_RIGHT, AV_CHAN_BACK_LEFT, AV_CHAN_BACK_RIGHT:
                return 1.41
            default:
                return 1
            }
        }
    }
}
