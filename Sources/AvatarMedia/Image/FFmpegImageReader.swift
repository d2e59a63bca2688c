import CFFmpeg

/// Still images other than PNG (JPEG, WebP, GIF, BMP, TIFF…) through libavformat's image
/// demuxers and libavcodec: the first frame of the first video stream, as RGBA.
enum FFmpegImageReader {
    static func read(_ path: String, limits: ImageLimits) throws -> (RGBAImage, pixelFormat: String, hasAlpha: Bool) {
        let demuxer = try Demuxer(path: path)
        guard let index = demuxer.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError(.noStream, path: path, "holds no picture")
        }
        let stream = demuxer.stream(index)
        let parameters = stream.pointee.codecpar.unsafelyUnwrapped.pointee
        if parameters.width > 0 && parameters.height > 0 {
            try limits.check(width: Int(parameters.width), height: Int(parameters.height), path: path)
        }
        // max_pixels makes the decoder itself refuse a frame over the limit, whatever the header said.
        let decoder = try Decoder(stream: stream, path: path,
                                  options: ["max_pixels": "\(limits.maxPixels)", "err_detect": "explode"],
                                  threads: 1)
        let frame = try Frame()
        guard try decodeFirstFrame(demuxer: demuxer, decoder: decoder, streamIndex: index, into: frame) else {
            throw MediaError(.corrupt, path: path, "holds no decodable picture")
        }
        let raw = frame.pointer.pointee
        try limits.check(width: Int(raw.width), height: Int(raw.height), path: path)
        let format = AVPixelFormat(rawValue: raw.format)
        let scaler = try Scaler(sourceWidth: raw.width, sourceHeight: raw.height, sourceFormat: format,
                                fullRange: raw.color_range == AVCOL_RANGE_JPEG,
                                targetWidth: raw.width, targetHeight: raw.height, targetFormat: AV_PIX_FMT_RGBA)
        let width = Int(raw.width), height = Int(raw.height)
        var scaleError: Error?
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 4) { buffer, initialized in
            do {
                try scaler.scale(frame.pointer, into: buffer.baseAddress.unsafelyUnwrapped, stride: Int32(width * 4))
            } catch {
                scaleError = error
                buffer.initialize(repeating: 0)
            }
            initialized = width * height * 4
        }
        if let scaleError { throw scaleError }
        let name = String(optionalCString: av_get_pix_fmt_name(format)) ?? "unknown"
        let hasAlpha = av_pix_fmt_desc_get(format).map { $0.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 } ?? false
        return (RGBAImage(width: width, height: height, pixels: pixels), name, hasAlpha)
    }

    private static func decodeFirstFrame(demuxer: Demuxer, decoder: Decoder, streamIndex: Int32, into frame: Frame) throws -> Bool {
        let packet = try Packet()
        var draining = false
        while true {
            switch try decoder.receive(into: frame) {
            case .frame: return true
            case .finished: return false
            case .needsInput:
                if draining { return false }
                if try demuxer.read(into: packet) {
                    defer { packet.unref() }
                    if packet.streamIndex == streamIndex { _ = try decoder.send(packet) }
                } else {
                    _ = try decoder.send(nil)
                    draining = true
                }
            }
        }
    }
}
