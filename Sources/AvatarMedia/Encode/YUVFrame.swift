import CFFmpeg

/// A planar YUV 4:2:0 picture owned by an AVFrame, with direct access to its three planes
/// for code that draws or resamples into it.
public final class YUVFrame {
    let frame: Frame
    public let width: Int
    public let height: Int

    public init(width: Int, height: Int) throws {
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0 else {
            throw MediaError(.corrupt, path: "", "a 4:2:0 frame needs an even size, not \(width)×\(height)")
        }
        frame = try Frame()
        self.width = width
        self.height = height
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        frame.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        try ffcheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
    }

    /// Plane 0 is luma (full size), 1 and 2 chroma (half size each way).
    public func plane(_ index: Int) -> (base: UnsafeMutablePointer<UInt8>, stride: Int, width: Int, height: Int) {
        let data = withUnsafePointer(to: &frame.pointer.pointee.data) {
            $0.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { $0[index] }
        }
        let stride = withUnsafePointer(to: &frame.pointer.pointee.linesize) {
            $0.withMemoryRebound(to: Int32.self, capacity: 8) { Int($0[index]) }
        }
        let w = index == 0 ? width : width / 2, h = index == 0 ? height : height / 2
        return (data.unsafelyUnwrapped, stride, w, h)
    }

    /// Makes the frame safe to write after an encoder may still hold a reference to it.
    public func makeWritable() throws {
        try ffcheck(av_frame_make_writable(frame.pointer), "av_frame_make_writable")
    }

    /// Fills the frame from RGBA pixels of any size (scaled with swscale, BT.709 limited range).
    public func fill(from image: RGBAImage) throws {
        try makeWritable()
        frame.pointer.pointee.color_range = AVCOL_RANGE_MPEG
        frame.pointer.pointee.colorspace = AVCOL_SPC_BT709
        let scaler = try Scaler(sourceWidth: Int32(image.width), sourceHeight: Int32(image.height), sourceFormat: AV_PIX_FMT_RGBA,
                                fullRange: false, targetWidth: Int32(width), targetHeight: Int32(height),
                                targetFormat: AV_PIX_FMT_YUV420P, flags: ImageConverter.Filter.bicubic.flags)
        scaler.setColorspace709()
        try image.pixels.withUnsafeBufferPointer { source in
            try scaler.scale(planes: [UnsafePointer(source.baseAddress)], strides: [Int32(image.width * 4)],
                             sourceHeight: Int32(image.height), into: frame.pointer)
        }
    }

    /// The frame back as RGBA (for tests and pictures).
    public func rgba() throws -> RGBAImage {
        let scaler = try Scaler(sourceWidth: Int32(width), sourceHeight: Int32(height), sourceFormat: AV_PIX_FMT_YUV420P,
                                fullRange: false, targetWidth: Int32(width), targetHeight: Int32(height),
                                targetFormat: AV_PIX_FMT_RGBA, flags: ImageConverter.Filter.bicubic.flags)
        scaler.setColorspace709()
        var failure: Error?
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 4) { buffer, count in
            do { try scaler.scale(frame.pointer, into: buffer.baseAddress.unsafelyUnwrapped, stride: Int32(width * 4)) } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            count = width * height * 4
        }
        if let failure { throw failure }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }
}
