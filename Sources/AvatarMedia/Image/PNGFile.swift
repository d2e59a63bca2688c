import CPNG

/// PNG files through libpng's simplified API (no setjmp needed).
enum PNGFile {
    struct Info {
        var width: Int
        var height: Int
        /// libpng's description of the stored pixels, e.g. `rgb`, `rgba`, `gray`, `palette`, 16-bit.
        var hasAlpha: Bool
        var isColor: Bool
        var isSixteenBit: Bool
        var isColormapped: Bool
    }

    /// Reads the header (size before any pixel buffer exists), checks it against `limits`,
    /// then decodes to RGBA.
    static func read(_ path: String, limits: ImageLimits) throws -> (RGBAImage, Info) {
        var image = png_image()
        image.version = swift_PNG_IMAGE_VERSION
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw MediaError(.corrupt, path: path, "is not a readable PNG: \(message(of: &image))")
        }
        let format = image.format
        let info = Info(
            width: Int(image.width), height: Int(image.height),
            hasAlpha: format & swift_PNG_FORMAT_FLAG_ALPHA != 0,
            isColor: format & swift_PNG_FORMAT_FLAG_COLOR != 0,
            isSixteenBit: format & swift_PNG_FORMAT_FLAG_LINEAR != 0,
            isColormapped: format & swift_PNG_FORMAT_FLAG_COLORMAP != 0
        )
        do {
            try limits.check(width: info.width, height: info.height, path: path)
        } catch {
            png_image_free(&image)
            throw error
        }
        image.format = swift_PNG_FORMAT_RGBA
        let count = info.width * info.height * 4
        var failure: String?
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil) == 0 {
                failure = message(of: &image)
                buffer.initialize(repeating: 0)
            }
            initialized = count
        }
        png_image_free(&image)
        if let failure {
            throw MediaError(.truncated, path: path, "PNG data is incomplete or damaged (libpng: \(failure))")
        }
        return (RGBAImage(width: info.width, height: info.height, pixels: pixels), info)
    }

    static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
