import CFFmpeg

/// An output file: libavformat's muxer, streams added from encoders, packets written
/// interleaved with timestamps rescaled to each stream's time base.
final class Muxer {
    let path: String
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var headerWritten = false
    private var finished = false

    /// `format` names the muxer (`wav`, `mp3`, `mp4`…); nil guesses it from the extension of `path`.
    init(path: String, format: String? = nil) throws {
        FFmpegLog.install()
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        try ffcheck(avformat_alloc_output_context2(&context, nil, format, path), "avformat_alloc_output_context2", path: path)
        guard let context else { throw FFmpegError(call: "avformat_alloc_output_context2", code: swift_AVERROR(ENOMEM), path: path) }
        self.context = context
    }

    deinit {
        if let context, context.pointee.pb != nil, (context.pointee.oformat.pointee.flags & AVFMT_NOFILE) == 0 {
            avio_closep(&context.pointee.pb)
        }
        FFmpegLog.forget(context)
        avformat_free_context(context)
    }

    var format: UnsafeMutablePointer<AVFormatContext> { context.unsafelyUnwrapped }

    /// Whether encoders feeding this muxer must put their headers in extradata.
    var wantsGlobalHeader: Bool { (format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 }

    /// Adds a stream carrying what `encoder` produces; returns its index.
    func addStream(for encoder: UnsafeMutablePointer<AVCodecContext>) throws -> Int32 {
        guard let stream = avformat_new_stream(format, nil) else {
            throw FFmpegError(call: "avformat_new_stream", code: swift_AVERROR(ENOMEM), path: path)
        }
        try ffcheck(avcodec_parameters_from_context(stream.pointee.codecpar, encoder), "avcodec_parameters_from_context", path: path)
        stream.pointee.time_base = encoder.pointee.time_base
        return stream.pointee.index
    }

    /// Opens the file and writes the header; `options` go to the muxer (e.g. movflags=+faststart).
    func writeHeader(options: [String: String] = [:]) throws {
        if (format.pointee.oformat.pointee.flags & AVFMT_NOFILE) == 0 {
            try ffcheck(avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE), "avio_open", path: path)
        }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        try ffcheck(avformat_write_header(format, &dictionary), "avformat_write_header", path: path, context: format)
        headerWritten = true
    }

    /// Writes a packet produced in `timeBase` (the encoder's) to stream `index`.
    func write(_ packet: Packet, stream index: Int32, timeBase: AVRational) throws {
        let stream = format.pointee.streams[Int(index)].unsafelyUnwrapped
        packet.pointer.pointee.stream_index = index
        av_packet_rescale_ts(packet.pointer, timeBase, stream.pointee.time_base)
        try ffcheck(av_interleaved_write_frame(format, packet.pointer), "av_interleaved_write_frame", path: path, context: format)
    }

    /// Writes the trailer and closes the file.
    func finish() throws {
        guard headerWritten, !finished else { return }
        finished = true
        try ffcheck(av_write_trailer(format), "av_write_trailer", path: path, context: format)
        if (format.pointee.oformat.pointee.flags & AVFMT_NOFILE) == 0 {
            try ffcheck(avio_closep(&format.pointee.pb), "avio_closep", path: path)
        }
    }
}
