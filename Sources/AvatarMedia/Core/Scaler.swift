import CFFmpeg

/// A libswscale context for one source size/format and one target size/format.
final class Scaler {
    private let context: OpaquePointer
    let targetWidth: Int32
    let targetHeight: Int32

    init(sourceWidth: Int32, sourceHeight: Int32, sourceFormat: AVPixelFormat, fullRange: Bool,
         targetWidth: Int32, targetHeight: Int32, targetFormat: AVPixelFormat,
         flags: Int32 = Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT)) throws {
        guard let context = sws_getContext(sourceWidth, sourceHeight, sourceFormat,
                                           targetWidth, targetHeight, targetFormat,
                                           flags, nil, nil, nil) else {
            let name = String(optionalCString: av_get_pix_fmt_name(sourceFormat)) ?? "\(sourceFormat.rawValue)"
            throw FFmpegError(call: "sws_getContext(\(name) \(sourceWidth)x\(sourceHeight))", code: swift_AVERROR(EINVAL))
        }
        self.context = context
        self.targetWidth = targetWidth
        self.targetHeight = targetHeight
        if fullRange {
            // Decoders that mark full-range YUV in color_range (rather than with a yuvj format)
            // need it said to swscale; otherwise blacks and whites are stretched.
            let coefficients = sws_getCoefficients(SWS_CS_DEFAULT)
            sws_setColorspaceDetails(context, coefficients, 1, coefficients, 1, 0, 1 << 16, 1 << 16)
        }
    }

    deinit { sws_freeContext(context) }

    /// Converts `frame` into a packed RGBA (or other single-plane) buffer with `stride` bytes a row.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, into target: UnsafeMutablePointer<UInt8>, stride: Int32) throws {
        let planes: [UnsafeMutablePointer<UInt8>?] = [target, nil, nil, nil]
        let strides: [Int32] = [stride, 0, 0, 0]
        let height = frame.pointee.height
        let rows = withUnsafeMutablePointer(to: &frame.pointee.data) { data in
            withUnsafeMutablePointer(to: &frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { source in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { sourceStrides in
                        sws_scale(context, source, sourceStrides, 0, height, planes, strides)
                    }
                }
            }
        }
        try ffcheck(rows, "sws_scale")
    }
}
