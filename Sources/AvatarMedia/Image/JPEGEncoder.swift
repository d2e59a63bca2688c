import CFFmpeg

/// One JPEG from RGBA pixels, with libavcodec's MJPEG encoder (full-range 4:2:0).
enum JPEGEncoder {
    static func encode(_ image: RGBAImage, quality: Int) throws -> [UInt8] {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw FFmpegError(call: "avcodec_find_encoder(mjpeg)", code: swift_AVERROR_DECODER_NOT_FOUND)
        }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let encoder = context else { throw FFmpegError(call: "avcodec_alloc_context3", code: swift_AVERROR(ENOMEM)) }
        encoder.pointee.width = Int32(image.width)
        encoder.pointee.height = Int32(image.height)
        encoder.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        encoder.pointee.time_base = AVRational(num: 1, den: 25)
        encoder.pointee.color_range = AVCOL_RANGE_JPEG
        encoder.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
        encoder.pointee.global_quality = Int32(FF_QP2LAMBDA) * Int32(qscale(for: quality))
        try ffcheck(avcodec_open2(encoder, codec, nil), "avcodec_open2(mjpeg)", context: encoder)

        let frame = try Frame()
        frame.pointer.pointee.width = encoder.pointee.width
        frame.pointer.pointee.height = encoder.pointee.height
        frame.pointer.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frame.pointer.pointee.quality = encoder.pointee.global_quality
        try ffcheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        try ImageConverter.fill(frame.pointer, from: image)

        try ffcheck(avcodec_send_frame(encoder, frame.pointer), "avcodec_send_frame(mjpeg)", context: encoder)
        try ffcheck(avcodec_send_frame(encoder, nil), "avcodec_send_frame(mjpeg flush)", context: encoder)
        let packet = try Packet()
        try ffcheck(avcodec_receive_packet(encoder, packet.pointer), "avcodec_receive_packet(mjpeg)", context: encoder)
        defer { packet.unref() }
        return [UInt8](UnsafeBufferPointer(start: packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size)))
    }

    /// Maps a 1–100 quality to MJPEG's qscale (2 best … 31 worst), as common tools do.
    static func qscale(for quality: Int) -> Int {
        let q = min(100, max(1, quality))
        return max(2, min(31, Int((Double(100 - q) / 100 * 29 + 2).rounded())))
    }
}
