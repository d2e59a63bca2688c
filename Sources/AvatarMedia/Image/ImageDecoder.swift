/// A decoded still image with what its file said about itself.
public struct DecodedImage: Sendable {
    /// The pixels as displayed: the EXIF orientation is already applied.
    public var image: RGBAImage
    public var header: ImageHeader
    /// How the file stores its pixels: libpng's or libavcodec's pixel format name.
    public var storedPixelFormat: String
    public var hasAlphaChannel: Bool
    public var usesTransparency: Bool
}

/// Decodes a still image to RGBA: PNG through libpng, everything else through libavcodec.
/// The format comes from the file's bytes, never from its name; the declared size is
/// checked against `limits` before pixels are allocated; the JPEG EXIF orientation is applied.
public enum ImageDecoder {
    public static func decode(_ path: String, limits: ImageLimits = .default) throws -> DecodedImage {
        try decode(path, header: try ImageHeader.read(path), limits: limits)
    }

    /// Decodes with a header the caller has already read.
    public static func decode(_ path: String, header: ImageHeader, limits: ImageLimits = .default) throws -> DecodedImage {
        if let width = header.width, let height = header.height {
            try limits.check(width: width, height: height, path: path)
        }
        if header.isComplete == false {
            throw MediaError(.truncated, path: path,
                "\(header.format.displayName) data ends early: the file is truncated (an incomplete download or copy?)")
        }
        switch header.format {
        case .png:
            let (image, info) = try PNGFile.read(path, limits: limits)
            let model = info.isColormapped ? "palette" : (info.isColor ? "rgb" : "gray") + (info.hasAlpha ? "a" : "")
            return DecodedImage(image: image, header: header,
                                storedPixelFormat: model + (info.isSixteenBit ? "16" : "8"),
                                hasAlphaChannel: info.hasAlpha, usesTransparency: info.hasAlpha && image.usesTransparency)
        case .heif, .avif:
            throw MediaError(.unsupported, path: path,
                "is \(header.format.displayName), which this FFmpeg build cannot decode; export it as JPEG or PNG")
        default:
            let (stored, pixelFormat, hasAlpha) = try FFmpegImageReader.read(path, limits: limits)
            let image = stored.oriented(header.orientation)
            return DecodedImage(image: image, header: header, storedPixelFormat: pixelFormat,
                                hasAlphaChannel: hasAlpha, usesTransparency: hasAlpha && image.usesTransparency)
        }
    }
}
