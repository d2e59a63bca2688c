import AvatarMedia
import Foundation

/// What the check learnt about the photo. Sizes are as displayed (EXIF orientation applied).
public struct PhotoFacts: Codable, Sendable, Equatable {
    public var path: String
    public var format: String
    public var width: Int?
    public var height: Int?
    public var bytes: Int64
    public var fileExtension: String
    public var extensionMatches: Bool
    public var colorModel: String?
    public var pixelFormat: String?
    public var bitDepth: Int?
    public var hasAlpha: Bool?
    public var usesTransparency: Bool?
    public var grayscale: Bool?
    public var exifOrientation: Int
    /// Faces found, largest first (the first is the subject); nil when detection could not run.
    public var faces: [FaceFacts]?
}

/// The photo checks: readable and complete, a format the service takes (or one that can
/// be converted), an extension that matches, a size in the service's range, colour and alpha.
public enum PhotoCheck {
    public struct Outcome: Sendable {
        public var facts: PhotoFacts?
        public var findings: [Finding]
        /// The decoded pixels, for later stages (faces, the preflight picture).
        public var image: RGBAImage?
    }

    public static func run(path: String, limits: ImageLimits = .default, faces finders: FaceCheck.Finders? = nil) -> Outcome {
        let bytes: Int64
        let header: ImageHeader
        do {
            bytes = try InputFile.validate(path)
            header = try ImageHeader.read(path)
        } catch {
            return Outcome(facts: nil, findings: [failure(error, path: path)], image: nil)
        }
        var facts = PhotoFacts(
            path: path, format: header.format.rawValue,
            width: header.displayWidth, height: header.displayHeight, bytes: bytes,
            fileExtension: fileExtension(path), extensionMatches: true,
            colorModel: header.colorModel, bitDepth: header.bitDepth,
            hasAlpha: header.hasAlphaChannel, exifOrientation: header.orientation)
        facts.extensionMatches = header.format == .unknown || header.format.extensions.contains(facts.fileExtension)
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(path, header: header, limits: limits)
        } catch {
            return Outcome(facts: facts, findings: [failure(error, path: path)], image: nil)
        }
        facts.width = decoded.image.width
        facts.height = decoded.image.height
        facts.pixelFormat = decoded.storedPixelFormat
        facts.hasAlpha = decoded.hasAlphaChannel
        facts.usesTransparency = decoded.usesTransparency
        facts.grayscale = decoded.image.isGrayscale
        var found = findings(facts, header: header)
        if let finders {
            let faces = FaceCheck.run(image: decoded.image, path: path, finders: finders)
            facts.faces = faces.faces
            found += faces.findings
        }
        return Outcome(facts: facts, findings: found, image: decoded.image)
    }

    static func findings(_ facts: PhotoFacts, header: ImageHeader) -> [Finding] {
        [formatFinding(facts, header: header), extensionFinding(facts, header: header), sizeFinding(facts),
         fileSizeFinding(facts), colourFinding(facts), orientationFinding(facts)].compactMap { $0 }
    }

    static func formatFinding(_ facts: PhotoFacts, header: ImageHeader) -> Finding {
        let name = header.format == .unknown ? (facts.pixelFormat.map { "an image (\($0))" } ?? "an image") : header.format.displayName
        if ServiceLimits.photoFormats.contains(facts.format) {
            return Finding(.ok, "photo.format", "\(facts.path): \(name), a format the service takes",
                           values: ["format": .text(facts.format)])
        }
        return Finding(.warn, "photo.format_converted",
                       "\(facts.path) is \(name); the service takes only JPEG or PNG. Convert it to PNG before rendering "
                       + "(avatarpipe's prepare stage does this).", values: ["format": .text(facts.format)])
    }

    static func extensionFinding(_ facts: PhotoFacts, header: ImageHeader) -> Finding? {
        guard !facts.extensionMatches else { return nil }
        let wanted = header.format.extensions.first ?? "png"
        let shown = facts.fileExtension.isEmpty ? "no extension" : "the extension .\(facts.fileExtension)"
        return Finding(.warn, "photo.extension_mismatch",
                       "\(facts.path) holds \(header.format.displayName) data but has \(shown); the service refuses URLs whose "
                       + "extension does not match the content. Rename it to .\(wanted) if you host it yourself "
                       + "(avatarpipe uploads it under the right extension).",
                       values: ["extension": .text(facts.fileExtension), "content": .text(header.format.rawValue)])
    }

    static func sizeFinding(_ facts: PhotoFacts) -> Finding? {
        guard let width = facts.width, let height = facts.height else { return nil }
        let values: [String: FactValue] = ["width": .of(width), "height": .of(height)]
        let minimum = ServiceLimits.photoMinSide, maximum = ServiceLimits.photoMaxLongSide
        if min(width, height) < minimum {
            return Finding(.block, "photo.too_small",
                           "\(facts.path) is \(Format.size(width, height)); the service needs at least \(minimum)×\(minimum). "
                           + "Use a larger original: upscaling adds no detail to the face.", values: values)
        }
        if max(width, height) >= maximum {
            return Finding(.warn, "photo.downscaled",
                           "\(facts.path) is \(Format.size(width, height)); the service needs the long side under \(maximum) px, "
                           + "so it must be downscaled first (avatarpipe's prepare stage does this).", values: values)
        }
        return Finding(.ok, "photo.size", "\(Format.size(width, height)) is within the service's \(minimum)–\(maximum - 1) px range",
                       values: values)
    }

    static func fileSizeFinding(_ facts: PhotoFacts) -> Finding? {
        guard facts.bytes > ServiceLimits.maxFileBytes else { return nil }
        return Finding(.warn, "photo.file_too_large",
                       "\(facts.path) is \(Format.bytes(facts.bytes)); the service takes at most 50 MB. "
                       + "Re-encode it (a downscaled PNG or a JPEG at quality 90 is far smaller).",
                       values: ["bytes": .of(facts.bytes)])
    }

    static func colourFinding(_ facts: PhotoFacts) -> Finding? {
        if facts.usesTransparency == true {
            return Finding(.warn, "photo.transparency",
                           "\(facts.path) has transparent areas; the service does not keep transparency and may show them black. "
                           + "Flatten it onto a background colour first.", values: ["alpha": true])
        }
        if facts.grayscale == true {
            return Finding(.warn, "photo.grayscale",
                           "\(facts.path) is black and white; the avatar will be too. Use a colour photo if you want a colour video.",
                           values: ["grayscale": true])
        }
        return nil
    }

    static func orientationFinding(_ facts: PhotoFacts) -> Finding? {
        guard facts.exifOrientation != 1 else { return nil }
        return Finding(.warn, "photo.exif_rotated",
                       "\(facts.path) is stored sideways or mirrored and relies on its EXIF orientation (\(facts.exifOrientation)); "
                       + "services often ignore EXIF. Upload an upright copy (avatarpipe's prepare stage writes one).",
                       values: ["exif_orientation": .of(facts.exifOrientation)])
    }

    static func failure(_ error: Error, path: String) -> Finding {
        InputFailure.finding(error, path: path, subject: "photo", role: "photo")
    }

    static func fileExtension(_ path: String) -> String {
        URL(fileURLWithPath: path).pathExtension.lowercased()
    }
}
