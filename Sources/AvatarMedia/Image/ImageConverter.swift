import CFFmpeg

/// RGBA pixels in and out of AVFrames of other formats and sizes, through libswscale.
public enum ImageConverter {
    public enum Filter: Sendable {
        /// Good for large reductions (photos to 2000 px, thumbnails).
        case area
        case bicubic
        case lanczos
        case bilinear

        var flags: Int32 {
            let base: Int32
            switch self {
            case .area: base = SWS_AREA
            case .bicubic: base = SWS_BICUBIC
            case .lanczos: base = SWS_LANCZOS
            case .bilinear: base = SWS_BILINEAR
            }
            return base | Int32(SWS_ACCURATE_RND) | Int32(SWS_FULL_CHR_H_INT)
        }
    }

    /// A resized copy of `image`.
    public static func resize(_ image: RGBAImage, width: Int, height: Int, filter: Filter = .area) throws -> RGBAImage {
        guard width > 0, height > 0 else {
            throw MediaError(.corrupt, path: "", "cannot resize to \(width)×\(height)")
        }
        if width == image.width && height == image.height { return image }
        let scaler = try Scaler(sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: AV_PIX_FMT_RGBA,
                                fullRange: true, targetWidth: Int32(width), targetHeight: Int32(height),
                                targetFormat: AV_PIX_FMT_RGBA, flags: filter.flags)
        var failure: Error?
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 4) { buffer, count in
            do {
                try image.pixels.withUnsafeBufferPointer { source in
                    try scaler.scale(planes: [UnsafePointer(source.baseAddress)], strides: [Int32(image.width * 4)],
                                     sourceHeight: Int32(image.height), into: buffer.baseAddress.unsafelyUnwrapped,
                                     stride: Int32(width * 4))
                }
            } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            count = width * height * 4
        }
        if let failure { throw failure }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    /// Converts RGBA into an allocated frame of the frame's own format and size.
    static func fill(_ frame: UnsafeMutablePointer<AVFrame>, from image: RGBAImage) throws {
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let scaler = try Scaler(sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: AV_PIX_FMT_RGBA,
                                fullRange: false, targetWidth: frame.pointee.width, targetHeight: frame.pointee.height,
                                targetFormat: format, flags: ImageConverter.Filter.bicubic.flags)
        if frame.pointee.color_range == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P {
            scaler.setRanges(sourceFull: true, targetFull: true)
        }
        try ffcheck(av_frame_make_writable(frame), "av_frame_make_writable")
        try image.pixels.withUnsafeBufferPointer { source in
            try scaler.scale(planes: [UnsafePointer(source.baseAddress)], strides: [Int32(image.width * 4)],
                             sourceHeight: Int32(image.height), into: frame)
        }
    }
}
