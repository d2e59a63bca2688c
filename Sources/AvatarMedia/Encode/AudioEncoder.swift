import CFFmpeg

/// An audio encoder fed with planar float blocks (as `AudioReader` produces them): it
/// converts them to the encoder's sample format, queues them in an AVAudioFifo, and sends
/// frames of exactly the encoder's frame size, with running timestamps.
final class AudioEncoder {
    let path: String
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var converter: OpaquePointer?
    private var fifo: OpaquePointer?
    private let frame: Frame
    private let packet: Packet
    private var nextPTS: Int64 = 0
    /// Samples per frame the encoder takes (known once it is open).
    private(set) var frameSize: Int32 = 0
    let channels: Int32

    /// `codecName` as libavcodec names encoders: `pcm_s16le`, `libmp3lame`, `aac`, `libopus`.
    init(codecName: String, sampleRate: Int, channels: Int, bitRate: Int?, globalHeader: Bool, path: String) throws {
        self.path = path
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            throw MediaError(.unsupported, path: path, "this FFmpeg build has no \(codecName) encoder")
        }
        // Allocated before the context: once it exists every stored property is set, and
        // deinit frees it on any later throw.
        self.channels = Int32(channels)
        frame = try Frame()
        packet = try Packet()
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(call: "avcodec_alloc_context3(\(codecName))", code: swift_AVERROR(ENOMEM), path: path)
        }
        self.context = context
        context.pointee.sample_rate = Int32(sampleRate)
        av_channel_layout_default(&context.pointee.ch_layout, Int32(channels))
        context.pointee.sample_fmt = AudioEncoder.preferredFormat(codec)
        context.pointee.time_base = AVRational(num: 1, den: Int32(sampleRate))
        if let bitRate { context.pointee.bit_rate = Int64(bitRate) }
        if globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        try ffcheck(avcodec_open2(context, codec, nil), "avcodec_open2(\(codecName))", path: path, context: context)
        // PCM encoders take any frame size; give them blocks of 4096.
        frameSize = context.pointee.frame_size > 0 ? context.pointee.frame_size : 4096
        try setUpConversion(context)
    }

    deinit {
        swr_free(&converter)
        if let fifo { av_audio_fifo_free(fifo) }
        FFmpegLog.forget(context)
        avcodec_free_context(&context)
    }

    var codecContext: UnsafeMutablePointer<AVCodecContext> { context.unsafelyUnwrapped }

    /// Queues a block of planar float samples and emits every full frame's packets.
    func encode(_ channelData: [UnsafeBufferPointer<Float>], frames: Int, _ emit: (Packet) throws -> Void) throws {
        guard frames > 0 else { return }
        try convertIntoFIFO(channelData, frames: frames)
        while av_audio_fifo_size(fifo) >= frameSize {
            try sendFrame(samples: frameSize, emit)
        }
    }

    /// Sends what is left in the queue, flushes the encoder and emits the last packets.
    func finish(_ emit: (Packet) throws -> Void) throws {
        let remaining = av_audio_fifo_size(fifo)
        if remaining > 0 { try sendFrame(samples: remaining, emit) }
        try ffcheck(avcodec_send_frame(codecContext, nil), "avcodec_send_frame(flush)", path: path, context: codecContext)
        try drain(emit)
    }

    private func setUpConversion(_ context: UnsafeMutablePointer<AVCodecContext>) throws {
        var input = AVChannelLayout()
        av_channel_layout_default(&input, channels)
        defer { av_channel_layout_uninit(&input) }
        try ffcheck(swr_alloc_set_opts2(&converter, &context.pointee.ch_layout, context.pointee.sample_fmt, context.pointee.sample_rate,
                                        &input, AV_SAMPLE_FMT_FLTP, context.pointee.sample_rate, 0, nil), "swr_alloc_set_opts2", path: path)
        try ffcheck(swr_init(converter), "swr_init", path: path)
        guard let fifo = av_audio_fifo_alloc(context.pointee.sample_fmt, channels, frameSize * 2) else {
            throw FFmpegError(call: "av_audio_fifo_alloc", code: swift_AVERROR(ENOMEM), path: path)
        }
        self.fifo = fifo
    }

    private func convertIntoFIFO(_ channelData: [UnsafeBufferPointer<Float>], frames: Int) throws {
        // Convert into a frame-sized scratch buffer of the encoder's format, then queue it.
        var converted: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?
        var lineSize: Int32 = 0
        try ffcheck(av_samples_alloc_array_and_samples(&converted, &lineSize, channels, Int32(frames),
                                                       codecContext.pointee.sample_fmt, 0), "av_samples_alloc_array_and_samples", path: path)
        defer {
            if let converted { av_freep(UnsafeMutableRawPointer(converted)) }
            av_freep(&converted)
        }
        let inputs = channelData.map { UnsafePointer<UInt8>(OpaquePointer($0.baseAddress)) }
        let count = try inputs.withUnsafeBufferPointer { pointers in
            try ffcheck(swr_convert(converter, converted, Int32(frames),
                                    UnsafeMutablePointer(mutating: pointers.baseAddress), Int32(frames)), "swr_convert", path: path)
        }
        let written = converted.map { UnsafeMutableRawPointer($0) }.map { pointer in
            av_audio_fifo_write(fifo, UnsafeMutablePointer<UnsafeMutableRawPointer?>(OpaquePointer(pointer)), count)
        } ?? -1
        guard written == count else {
            throw FFmpegError(call: "av_audio_fifo_write", code: written < 0 ? written : swift_AVERROR(ENOMEM), path: path)
        }
    }

    private func sendFrame(samples: Int32, _ emit: (Packet) throws -> Void) throws {
        frame.unref()
        frame.pointer.pointee.nb_samples = samples
        frame.pointer.pointee.format = codecContext.pointee.sample_fmt.rawValue
        frame.pointer.pointee.sample_rate = codecContext.pointee.sample_rate
        try ffcheck(av_channel_layout_copy(&frame.pointer.pointee.ch_layout, &codecContext.pointee.ch_layout), "av_channel_layout_copy")
        try ffcheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer", path: path)
        let read = UnsafeMutableRawPointer(frame.pointer.pointee.extended_data).map { pointer in
            av_audio_fifo_read(fifo, UnsafeMutablePointer<UnsafeMutableRawPointer?>(OpaquePointer(pointer)), samples)
        } ?? -1
        guard read == samples else { throw FFmpegError(call: "av_audio_fifo_read", code: read < 0 ? read : swift_AVERROR_EOF, path: path) }
        frame.pointer.pointee.pts = nextPTS
        nextPTS += Int64(samples)
        try ffcheck(avcodec_send_frame(codecContext, frame.pointer), "avcodec_send_frame", path: path, context: codecContext)
        try drain(emit)
    }

    private func drain(_ emit: (Packet) throws -> Void) throws {
        while true {
            let result = avcodec_receive_packet(codecContext, packet.pointer)
            if result == swift_AVERROR_EAGAIN || result == swift_AVERROR_EOF { return }
            try ffcheck(result, "avcodec_receive_packet", path: path, context: codecContext)
            try emit(packet)
            packet.unref()
        }
    }

    /// The encoder's first sample format, preferring planar float when it takes it.
    static func preferredFormat(_ codec: UnsafePointer<AVCodec>) -> AVSampleFormat {
        guard let formats = codec.pointee.sample_fmts else { return AV_SAMPLE_FMT_FLTP }
        var index = 0
        var first: AVSampleFormat?
        while formats[index] != AV_SAMPLE_FMT_NONE {
            if formats[index] == AV_SAMPLE_FMT_FLTP { return AV_SAMPLE_FMT_FLTP }
            first = first ?? formats[index]
            index += 1
        }
        return first ?? AV_SAMPLE_FMT_FLTP
    }
}
