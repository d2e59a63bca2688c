import CFFmpeg

/// What libavformat says about a file: its container (sniffed from content), streams,
/// codecs, duration, sample rate, channels and pixel size.
public struct MediaInfo: Sendable, Codable, Equatable {
    public var path: String
    /// libavformat's short name of the container, e.g. `wav`, `mp3`, `png_pipe`, `mov,mp4,m4a,3gp,3g2,mj2`.
    public var container: String
    public var containerLongName: String
    public var bytes: Int64
    public var duration: Double?
    public var bitRate: Int?
    public var streams: [StreamInfo]

    public var firstAudio: StreamInfo? { streams.first { $0.kind == .audio } }
    /// The first video stream that is not an attached picture (cover art).
    public var firstVideo: StreamInfo? { streams.first { $0.kind == .video && !$0.isAttachedPicture } }
}

public struct StreamInfo: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case audio, video, subtitle, data, attachment, unknown }

    public var index: Int
    public var kind: Kind
    public var codec: String
    public var codecLongName: String
    public var duration: Double?
    public var bitRate: Int?
    public var isAttachedPicture: Bool
    // Video
    public var width: Int?
    public var height: Int?
    public var pixelFormat: String?
    public var frameRate: Double?
    // Audio
    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?
    public var sampleFormat: String?
    public var bitsPerSample: Int?
}

public enum MediaProbe {
    /// Probes `path`. Throws `MediaError` for paths that are not readable media files and
    /// `FFmpegError` for files libavformat fails on.
    public static func probe(_ path: String) throws -> MediaInfo {
        let bytes = try InputFile.validate(path)
        let demuxer = try Demuxer(path: path)
        try demuxer.findStreamInfo()
        return MediaInfo(
            path: path,
            container: demuxer.formatName,
            containerLongName: demuxer.formatLongName,
            bytes: bytes,
            duration: demuxer.duration,
            bitRate: demuxer.format.pointee.bit_rate > 0 ? Int(demuxer.format.pointee.bit_rate) : nil,
            streams: demuxer.streams.map(streamInfo)
        )
    }

    static func streamInfo(_ stream: UnsafeMutablePointer<AVStream>) -> StreamInfo {
        let parameters = stream.pointee.codecpar.pointee
        var info = StreamInfo(
            index: Int(stream.pointee.index),
            kind: kind(parameters.codec_type),
            codec: String(optionalCString: avcodec_get_name(parameters.codec_id)) ?? "unknown",
            codecLongName: avcodec_descriptor_get(parameters.codec_id).flatMap { String(optionalCString: $0.pointee.long_name) } ?? "",
            duration: seconds(stream.pointee.duration, stream.pointee.time_base),
            bitRate: parameters.bit_rate > 0 ? Int(parameters.bit_rate) : nil,
            isAttachedPicture: (stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0
        )
        switch parameters.codec_type {
        case AVMEDIA_TYPE_VIDEO:
            info.width = Int(parameters.width)
            info.height = Int(parameters.height)
            info.pixelFormat = String(optionalCString: av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.format)))
            let rate = stream.pointee.avg_frame_rate
            info.frameRate = rate.den > 0 && rate.num > 0 ? av_q2d(rate) : nil
        case AVMEDIA_TYPE_AUDIO:
            info.sampleRate = Int(parameters.sample_rate)
            info.channels = Int(parameters.ch_layout.nb_channels)
            info.channelLayout = describe(parameters.ch_layout)
            info.sampleFormat = String(optionalCString: av_get_sample_fmt_name(AVSampleFormat(rawValue: parameters.format)))
            let bits = parameters.bits_per_raw_sample > 0 ? parameters.bits_per_raw_sample : parameters.bits_per_coded_sample
            info.bitsPerSample = bits > 0 ? Int(bits) : nil
        default:
            break
        }
        return info
    }

    static func kind(_ type: AVMediaType) -> StreamInfo.Kind {
        switch type {
        case AVMEDIA_TYPE_AUDIO: return .audio
        case AVMEDIA_TYPE_VIDEO: return .video
        case AVMEDIA_TYPE_SUBTITLE: return .subtitle
        case AVMEDIA_TYPE_DATA: return .data
        case AVMEDIA_TYPE_ATTACHMENT: return .attachment
        default: return .unknown
        }
    }

    static func seconds(_ value: Int64, _ timeBase: AVRational) -> Double? {
        guard value != swift_AV_NOPTS_VALUE, value > 0, timeBase.den > 0 else { return nil }
        return Double(value) * av_q2d(timeBase)
    }

    static func describe(_ layout: AVChannelLayout) -> String {
        var layout = layout
        if layout.order == AV_CHANNEL_ORDER_UNSPEC {
            // WAV files without a channel mask: name the usual layout for the count.
            av_channel_layout_default(&layout, layout.nb_channels)
        }
        var buffer = [CChar](repeating: 0, count: 128)
        guard av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 else { return "\(layout.nb_channels) channels" }
        return String(nulTerminated: buffer)
    }
}
