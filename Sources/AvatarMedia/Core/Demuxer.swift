import CFFmpeg

/// An open media file: libavformat's demuxer, chosen from the file's bytes alone.
///
/// `avformat_open_input` lets a file's extension vote (a text file named `x.png` would be
/// opened by the image2 demuxer as a PNG), so the format is probed here with no file name,
/// and the probed format is handed to `avformat_open_input` explicitly.
final class Demuxer {
    let path: String
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var io: UnsafeMutablePointer<AVIOContext>?

    init(path: String) throws {
        FFmpegLog.install()
        try InputFile.validate(path)
        self.path = path

        var io: UnsafeMutablePointer<AVIOContext>?
        try ffcheck(avio_open(&io, path, AVIO_FLAG_READ), "avio_open", path: path)
        var format: UnsafePointer<AVInputFormat>?
        let score = av_probe_input_buffer2(io, &format, nil, nil, 0, 0)
        guard score >= 0, let format else {
            avio_closep(&io)
            if score == swift_AVERROR_INVALIDDATA || score >= 0 {
                throw MediaError(.unrecognized, path: path, "is not an audio, video or image file (its content matches no known format)")
            }
            throw FFmpegError(call: "av_probe_input_buffer2", code: score, path: path)
        }
        guard let allocated = avformat_alloc_context() else {
            avio_closep(&io)
            throw FFmpegError(call: "avformat_alloc_context", code: swift_AVERROR(ENOMEM), path: path)
        }
        allocated.pointee.pb = io
        var context: UnsafeMutablePointer<AVFormatContext>? = allocated
        let opened = avformat_open_input(&context, path, format, nil)
        if opened < 0 {
            // avformat_open_input has freed the context; the custom AVIOContext is ours.
            let logLine = FFmpegLog.lastLine(for: allocated)
            FFmpegLog.forget(allocated)
            avio_closep(&io)
            throw FFmpegError(call: "avformat_open_input", code: opened, path: path, logLine: logLine)
        }
        self.context = context
        self.io = io
    }

    deinit {
        FFmpegLog.forget(context)
        avformat_close_input(&context)
        avio_closep(&io)
    }

    /// The format context, valid for the demuxer's lifetime.
    var format: UnsafeMutablePointer<AVFormatContext> {
        // Set in init and only cleared in deinit.
        context.unsafelyUnwrapped
    }

    /// libavformat's short name of the detected container, e.g. `wav`, `mp3`, `png_pipe`.
    var formatName: String { String(cString: format.pointee.iformat.pointee.name) }
    var formatLongName: String { String(optionalCString: format.pointee.iformat.pointee.long_name) ?? formatName }

    func findStreamInfo() throws {
        try ffcheck(avformat_find_stream_info(format, nil), "avformat_find_stream_info", path: path, context: format)
    }

    var streams: [UnsafeMutablePointer<AVStream>] {
        (0..<Int(format.pointee.nb_streams)).compactMap { format.pointee.streams[$0] }
    }

    /// The index of the stream libavformat considers best for `type`, or nil.
    func bestStream(_ type: AVMediaType) -> Int32? {
        let index = av_find_best_stream(format, type, -1, -1, nil, 0)
        return index >= 0 ? index : nil
    }

    func stream(_ index: Int32) -> UnsafeMutablePointer<AVStream> {
        format.pointee.streams[Int(index)].unsafelyUnwrapped
    }

    /// Reads the next packet into `packet`; false at the end of the file.
    func read(into packet: Packet) throws -> Bool {
        let result = av_read_frame(format, packet.pointer)
        if result == swift_AVERROR_EOF { return false }
        try ffcheck(result, "av_read_frame", path: path, context: format)
        return true
    }

    /// Seconds, when the container declares a duration.
    var duration: Double? {
        let value = format.pointee.duration
        guard value != swift_AV_NOPTS_VALUE, value > 0 else { return nil }
        return Double(value) / Double(AV_TIME_BASE)
    }
}

/// One AVPacket, owned.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws {
        guard let packet = av_packet_alloc() else {
            throw FFmpegError(call: "av_packet_alloc", code: swift_AVERROR(ENOMEM))
        }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    var streamIndex: Int32 { pointer.pointee.stream_index }
    func unref() { av_packet_unref(pointer) }
}

/// One AVFrame, owned.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws {
        guard let frame = av_frame_alloc() else {
            throw FFmpegError(call: "av_frame_alloc", code: swift_AVERROR(ENOMEM))
        }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    func unref() { av_frame_unref(pointer) }
}
