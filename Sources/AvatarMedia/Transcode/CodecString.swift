import CFFmpeg

/// RFC 6381 codec strings (`avc1.640028`, `mp4a.40.2`), as HLS `CODECS` attributes and the
/// `type` of an HTML `<source>` want them, read from an open encoder.
enum CodecString {
    static func of(_ context: UnsafeMutablePointer<AVCodecContext>) -> String {
        let codec = context.pointee.codec_id
        switch codec {
        case AV_CODEC_ID_H264:
            guard let (profile, constraints, level) = h264ProfileBytes(context) else { return "avc1" }
            return "avc1." + [profile, constraints, level].map(hex).joined()
        case AV_CODEC_ID_AAC:
            // The MPEG-4 audio object type is the AAC profile plus one (LC: 2).
            let profile = context.pointee.profile
            return "mp4a.40.\(profile >= 0 ? profile + 1 : 2)"
        case AV_CODEC_ID_VP9: return "vp9"
        case AV_CODEC_ID_OPUS: return "opus"
        default: return String(optionalCString: avcodec_get_name(codec)) ?? "unknown"
        }
    }

    static func name(_ context: UnsafeMutablePointer<AVCodecContext>) -> String {
        String(optionalCString: avcodec_get_name(context.pointee.codec_id)) ?? "unknown"
    }

    /// profile_idc, the constraint flags and level_idc: from an avcC record (global header)
    /// or from the first SPS of Annex B extradata.
    private static func h264ProfileBytes(_ context: UnsafeMutablePointer<AVCodecContext>) -> (UInt8, UInt8, UInt8)? {
        guard let data = context.pointee.extradata, context.pointee.extradata_size >= 4 else { return nil }
        let bytes = UnsafeBufferPointer(start: data, count: Int(context.pointee.extradata_size))
        if bytes[0] == 1 { return (bytes[1], bytes[2], bytes[3]) }
        var index = 0
        while index + 6 < bytes.count {
            if bytes[index] == 0, bytes[index + 1] == 0, bytes[index + 2] == 1, bytes[index + 3] & 0x1F == 7 {
                return (bytes[index + 4], bytes[index + 5], bytes[index + 6])
            }
            index += 1
        }
        return nil
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
