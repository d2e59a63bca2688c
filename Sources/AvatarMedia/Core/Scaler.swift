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
            setRanges(sourceFull: true, targetFull: false)
        }
    }

    deinit { sws_freeContext(context) }

    /// Declares the YUV range of source and target (RGB is always full range).
    func setRanges(sourceFull: Bool, targetFull: Bool) {
        let coefficients = sws_getCoefficients(SWS_CS_DEFAULT)
        sws_setColorspaceDetails(context, coefficients, sourceFull ? 1 : 0, coefficients, targetFull ? 1 : 0, 0, 1 << 16, 1 << 16)
    }

    /// BT.709 coefficients on the YUV side (limited range), as HD video expects.
    func setColorspace709() {
        let yuv = sws_getCoefficients(SWS_CS_ITU709)
        sws_setColorspaceDetails(context, yuv, 0, yuv, 0, 0, 1 << 16, 1 << 16)
    }

    /// Converts `frame` into a packed single-plane buffer with `stride` bytes a row.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, into target: UnsafeMutablePointer<UInt8>, stride: Int32) throws {
        let height = frame.pointee.height
        let targets: [UnsafeMutablePointer<UInt8>?] = [target, nil, nil, nil]
        let targetStrides: [Int32] = [stride, 0, 0, 0]
        let rows = withFramePlanes(frame) { planes, strides in
            sws_scale(context, planes, strides, 0, height, targets, targetStrides)
        }
        try ffcheck(rows, "sws_scale")
    }

    /// Converts packed source planes into a packed single-plane buffer.
    func scale(planes: [UnsafePointer<UInt8>?], strides: [Int32], sourceHeight: Int32,
               into target: UnsafeMutablePointer<UInt8>, stride: Int32) throws {
        let targets: [UnsafeMutablePointer<UInt8>?] = [target, nil, nil, nil]
        let targetStrides: [Int32] = [stride, 0, 0, 0]
        let rows = sws_scale(context, planes + [nil, nil, nil], strides + [0, 0, 0], 0, sourceHeight, targets, targetStrides)
        try ffcheck(rows, "sws_scale")
    }

    /// Converts packed source planes into an allocated, writable frame.
    func scale(planes: [UnsafePointer<UInt8>?], strides: [Int32], sourceHeight: Int32,
               into frame: UnsafeMutablePointer<AVFrame>) throws {
        let rows = withFramePlanes(frame) { targets, targetStrides in
            sws_scale(context, planes + [nil, nil, nil], strides + [0, 0, 0], 0, sourceHeight,
                      UnsafePointer(OpaquePointer(targets)), targetStrides)
        }
        try ffcheck(rows, "sws_scale")
    }

    /// Converts one frame into another (both allocated); sizes and formats as set up.
    func scale(_ source: UnsafeMutablePointer<AVFrame>, into target: UnsafeMutablePointer<AVFrame>) throws {
        let height = source.pointee.height
        let rows = withFramePlanes(source) { planes, strides in
            withFramePlanes(target) { targets, targetStrides in
                sws_scale(context, planes, strides, 0, height, UnsafePointer(OpaquePointer(targets)), targetStrides)
            }
        }
        try ffcheck(rows, "sws_scale")
    }
}

/// The data and linesize arrays of an AVFrame (C fixed-size arrays) as pointers, in the
/// const-qualified form libswscale's source arguments take.
func withFramePlanes<R>(_ frame: UnsafeMutablePointer<AVFrame>,
                        _ body: (UnsafePointer<UnsafePointer<UInt8>?>, UnsafePointer<Int32>) -> R) -> R {
    withUnsafeMutablePointer(to: &frame.pointee.data) { data in
        withUnsafeMutablePointer(to: &frame.pointee.linesize) { linesize in
            data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                    body(UnsafePointer(OpaquePointer(planes)), strides)
                }
            }
        }
    }
}
