import CFFmpeg

/// A libavcodec video encoder (libx264, libvpx-vp9…) taking YUV frames with running
/// timestamps in 1/fps and handing out packets.
final class VideoEncoder {
    let path: String
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private let packet: Packet

    struct Settings {
        var codecName = "libx264"
        var width: Int
        var height: Int
        var frameRate: Int
        var pixelFormat: AVPixelFormat = AV_PIX_FMT_YUV420P
        /// Private options of the codec (for libx264: preset, tune, crf, x264-params, profile…).
        var options: [String: String] = [:]
        var keyframeInterval: Int?
        var maxRate: Int?
        var bufferSize: Int?
        var threads = 0
        /// A frame rate that is not a whole number (30000/1001), overriding `frameRate`.
        var exactFrameRate: AVRational?
        /// The time base of the frames' timestamps when it is not 1/frame rate (e.g. the source's).
        var timeBase: AVRational?
        /// Tag the stream BT.709 limited range (what web players assume for HD video).
        var tagsBT709 = true
    }

    init(_ settings: Settings, globalHeader: Bool, path: String) throws {
        self.path = path
        guard let codec = avcodec_find_encoder_by_name(settings.codecName) else {
            throw MediaError(.unsupported, path: path, "this FFmpeg build has no \(settings.codecName) encoder")
        }
        // Everything that can fail before the context exists comes first: once it is
        // allocated, every stored property is set and deinit frees it on any later throw.
        packet = try Packet()
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(call: "avcodec_alloc_context3(\(settings.codecName))", code: swift_AVERROR(ENOMEM), path: path)
        }
        self.context = context
        context.pointee.width = Int32(settings.width)
        context.pointee.height = Int32(settings.height)
        context.pointee.pix_fmt = settings.pixelFormat
        let rate = settings.exactFrameRate ?? AVRational(num: Int32(settings.frameRate), den: 1)
        context.pointee.time_base = settings.timeBase ?? av_inv_q(rate)
        context.pointee.framerate = rate
        context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        context.pointee.thread_count = Int32(settings.threads)
        if settings.tagsBT709 {
            // Tell players the colours are BT.709 limited range, as web players assume for HD.
            context.pointee.color_primaries = AVCOL_PRI_BT709
            context.pointee.color_trc = AVCOL_TRC_BT709
            context.pointee.colorspace = AVCOL_SPC_BT709
            context.pointee.color_range = AVCOL_RANGE_MPEG
        }
        if let interval = settings.keyframeInterval { context.pointee.gop_size = Int32(interval) }
        if let maxRate = settings.maxRate { context.pointee.rc_max_rate = Int64(maxRate) }
        if let bufferSize = settings.bufferSize { context.pointee.rc_buffer_size = Int32(bufferSize) }
        if globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in settings.options { av_dict_set(&dictionary, key, value, 0) }
        try ffcheck(avcodec_open2(context, codec, &dictionary), "avcodec_open2(\(settings.codecName))", path: path, context: context)
    }

    deinit {
        FFmpegLog.forget(context)
        avcodec_free_context(&context)
    }

    var codecContext: UnsafeMutablePointer<AVCodecContext> { context.unsafelyUnwrapped }

    /// Sends one frame (its pts set by the caller, in 1/fps) and emits the packets that are ready.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?, _ emit: (Packet) throws -> Void) throws {
        try ffcheck(avcodec_send_frame(codecContext, frame), "avcodec_send_frame", path: path, context: codecContext)
        while true {
            let result = avcodec_receive_packet(codecContext, packet.pointer)
            if result == swift_AVERROR_EAGAIN || result == swift_AVERROR_EOF { return }
            try ffcheck(result, "avcodec_receive_packet", path: path, context: codecContext)
            try emit(packet)
            packet.unref()
        }
    }

    func finish(_ emit: (Packet) throws -> Void) throws {
        try encode(nil, emit)
    }
}
