import Foundation
import CPNG

extension PNGFile {
    /// Writes 8-bit RGBA (or RGB, dropping alpha, when `keepAlpha` is false) to `path`.
    static func write(_ image: RGBAImage, to path: String, keepAlpha: Bool) throws {
        var source = image.pixels
        if !keepAlpha {
            source = [UInt8](unsafeUninitializedCapacity: image.width * image.height * 3) { buffer, count in
                image.pixels.withUnsafeBufferPointer { rgba in
                    var o = 0
                    for i in stride(from: 0, to: rgba.count, by: 4) {
                        buffer[o] = rgba[i]; buffer[o + 1] = rgba[i + 1]; buffer[o + 2] = rgba[i + 2]
                        o += 3
                    }
                }
                count = image.width * image.height * 3
            }
        }
        var png = png_image()
        png.version = swift_PNG_IMAGE_VERSION
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = keepAlpha ? swift_PNG_FORMAT_RGBA : swift_PNG_FORMAT_RGB
        let ok = source.withUnsafeBytes { png_image_write_to_file(&png, path, 0, $0.baseAddress, 0, nil) }
        defer { png_image_free(&png) }
        guard ok != 0 else {
            throw MediaError(.unreadable, path: path, "libpng could not write the PNG: \(message(of: &png))")
        }
    }
}

/// Still images out: PNG through libpng, JPEG through libavcodec's MJPEG encoder.
public enum ImageEncoder {
    /// Writes a PNG atomically. Alpha is kept only when some pixel is not opaque, unless `keepAlpha` says otherwise.
    public static func writePNG(_ image: RGBAImage, to path: String, keepAlpha: Bool? = nil) throws {
        let alpha = keepAlpha ?? image.usesTransparency
        try AtomicFile.write(to: path) { try PNGFile.write(image, to: $0, keepAlpha: alpha) }
    }

    /// Writes a baseline JPEG atomically; `quality` 1–100 as in common tools (mapped to MJPEG's qscale).
    public static func writeJPEG(_ image: RGBAImage, to path: String, quality: Int = 92) throws {
        let bytes = try JPEGEncoder.encode(image, quality: quality)
        try AtomicFile.write(to: path) { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw MediaError(.unreadable, path: path, "cannot write the JPEG")
            }
        }
    }
}
