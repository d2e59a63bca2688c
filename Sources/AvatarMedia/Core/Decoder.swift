import CFFmpeg

/// A libavcodec decoder for one stream of a `Demuxer`, with the send/receive state machine:
/// EAGAIN and EOF are states of the loop, not errors.
final class Decoder {
    let path: String
    private var context: UnsafeMutablePointer<AVCodecContext>?

    /// `options` are AVOptions of the codec context, e.g. `max_pixels`.
    init(stream: UnsafeMutablePointer<AVStream>, path: String, options: [String: String] = [:], threads: Int = 0) throws {
        self.path = path
        let parameters = stream.pointee.codecpar.unsafelyUnwrapped
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(optionalCString: avcodec_get_name(parameters.pointee.codec_id)) ?? "unknown"
            throw MediaError(.unsupported, path: path, "has \(name) data, which this FFmpeg build cannot decode")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(call: "avcodec_alloc_context3", code: swift_AVERROR(ENOMEM), path: path)
        }
        self.context = context
        try ffcheck(avcodec_parameters_to_context(context, parameters), "avcodec_parameters_to_context", path: path)
        context.pointee.pkt_timebase = stream.pointee.time_base
        context.pointee.thread_count = Int32(threads)
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        try ffcheck(avcodec_open2(context, codec, &dictionary), "avcodec_open2", path: path, context: context)
    }

    deinit {
        FFmpegLog.forget(context)
        avcodec_free_context(&context)
    }

    var codecContext: UnsafeMutablePointer<AVCodecContext> { context.unsafelyUnwrapped }

    /// Sends a packet (nil flushes). Returns false when the decoder needs its output drained first.
    func send(_ packet: Packet?) throws -> Bool {
        let result = avcodec_send_packet(codecContext, packet?.pointer)
        if result == swift_AVERROR_EAGAIN { return false }
        if result == swift_AVERROR_EOF { return true }
        try ffcheck(result, "avcodec_send_packet", path: path, context: codecContext)
        return true
    }

    enum Output { case frame, needsInput, finished }

    func receive(into frame: Frame) throws -> Output {
        let result = avcodec_receive_frame(codecContext, frame.pointer)
        if result == swift_AVERROR_EAGAIN { return .needsInput }
        if result == swift_AVERROR_EOF { return .finished }
        try ffcheck(result, "avcodec_receive_frame", path: path, context: codecContext)
        return .frame
    }
}
