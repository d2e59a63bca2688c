import AvatarMedia
import Foundation

/// Makes the photo the service will get: upright, JPEG or PNG, long side under 2048,
/// transparency flattened, and (with `reframe`) cropped around the face to the exact aspect
/// of the orientation, so that the service's centred crop has nothing left to cut.
public struct PhotoPreparation: Sendable, Fingerprinted {
    public enum Format: String, Sendable, Codable {
        /// JPEG for JPEG sources (smaller, faster), PNG for everything else (lossless).
        case auto, png, jpeg
    }

    public var format: Format = .auto
    public var maxLongSide = 2000
    public var reframe = false
    public var orientation: Orientation = .landscape
    /// The colour transparent areas are flattened onto.
    public var background: RGBColor = .white
    public var jpegQuality = 92

    public init() {}

    var fingerprint: String {
        "\(format.rawValue)|\(maxLongSide)|\(reframe)|\(orientation.rawValue)|\(background.hex)|\(jpegQuality)"
    }
}

public struct RGBColor: Sendable, Equatable, Codable {
    public var r: UInt8, g: UInt8, b: UInt8
    public static let white = RGBColor(r: 255, g: 255, b: 255)

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r; self.g = g; self.b = b
    }

    /// `#rrggbb`, `rrggbb` or a few names.
    public init?(parsing text: String) {
        let names = ["white": "ffffff", "black": "000000", "gray": "808080", "grey": "808080"]
        var hex = names[text.lowercased()] ?? text
        if hex.hasPrefix("#") { hex.removeFirst() }
        guard hex.count == 6, let value = UInt32(hex, radix: 16) else { return nil }
        self.init(r: UInt8(value >> 16), g: UInt8((value >> 8) & 0xFF), b: UInt8(value & 0xFF))
    }

    public var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
}

public enum PhotoPreparer {
    /// Prepares `facts.path` into `directory`; `image` is the decoded photo when the check
    /// already has it, `face` the subject's face box in photo pixels.
    public static func prepare(_ facts: PhotoFacts, image: RGBAImage?, face: Rect?, options: PhotoPreparation,
                               into directory: String) throws -> PreparedFile {
        let sourceHash = try FileHash.sha256(ofFile: facts.path)
        let plan = PhotoPlan(facts: facts, face: face, options: options)
        let ext = plan.isUnchanged ? (facts.format == "jpeg" ? "jpg" : "png") : plan.outputFormat.rawValue.replacingOccurrences(of: "jpeg", with: "jpg")
        let target = PreparedName.path(in: directory, role: "photo", sourceHash: sourceHash, options: options, ext: ext)
        if FileManager.default.fileExists(atPath: target) {
            return try describe(target, facts: facts, reused: true, plan: plan)
        }
        if plan.isUnchanged {
            try AtomicFile.write(to: target) { try FileManager.default.copyItem(atPath: facts.path, toPath: $0) }
        } else {
            let decoded = try image ?? ImageDecoder.decode(facts.path).image
            let result = try plan.apply(to: decoded)
            if plan.outputFormat == .jpeg {
                try ImageEncoder.writeJPEG(result, to: target, quality: options.jpegQuality)
            } else {
                try ImageEncoder.writePNG(result, to: target, keepAlpha: false)
            }
        }
        return try describe(target, facts: facts, reused: false, plan: plan)
    }

    static func describe(_ path: String, facts: PhotoFacts, reused: Bool, plan: PhotoPlan) throws -> PreparedFile {
        let bytes = try InputFile.validate(path)
        return PreparedFile(role: "photo", source: facts.path, path: path, sha256: try FileHash.sha256(ofFile: path),
                            bytes: bytes, reused: reused, changes: plan.changes, notes: plan.notes)
    }
}

/// What preparation will do to one photo, decided from the check's facts before any work.
struct PhotoPlan {
    var outputFormat: PhotoPreparation.Format
    var flatten: Bool
    var crop: Rect?
    var targetSize: (width: Int, height: Int)?
    var changes: [String] = []
    let background: RGBColor

    var isUnchanged: Bool { changes.isEmpty }

    init(facts: PhotoFacts, face: Rect?, options: PhotoPreparation) {
        background = options.background
        let width = facts.width ?? 0, height = facts.height ?? 0
        let accepted = ServiceLimits.photoFormats.contains(facts.format)
        switch options.format {
        case .auto: outputFormat = facts.format == "jpeg" ? .jpeg : .png
        default: outputFormat = options.format
        }
        flatten = facts.usesTransparency == true
        if !accepted { changes.append("converted \(facts.format.uppercased()) to \(outputFormat.rawValue.uppercased()): the service takes only JPEG or PNG") }
        if options.format != .auto && options.format.rawValue != facts.format && accepted {
            changes.append("converted to \(outputFormat.rawValue.uppercased()) as asked")
        }
        if facts.exifOrientation != 1 {
            changes.append("rotated upright (EXIF orientation \(facts.exifOrientation)): services often ignore EXIF")
        }
        if flatten { changes.append("flattened transparency onto \(options.background.hex)") }
        var region = Rect(x: 0, y: 0, width: Double(width), height: Double(height))
        if options.reframe {
            switch Reframe.crop(photoWidth: width, photoHeight: height, face: face, orientation: options.orientation) {
            case .success(let rect):
                crop = rect
                region = rect
                changes.append("cropped to \(options.orientation.aspectLabel) around the face: \(Int(rect.width))×\(Int(rect.height)) "
                               + "at (\(Int(rect.x)), \(Int(rect.y))), so the service's centred crop cannot cut the head")
            case .failure(let reason):
                notes.append("not reframed: \(reason.message)")
            }
        }
        let longSide = max(region.width, region.height)
        if longSide > Double(options.maxLongSide) {
            let scale = Double(options.maxLongSide) / longSide
            targetSize = (Int((region.width * scale).rounded()), Int((region.height * scale).rounded()))
            changes.append("downscaled \(Int(region.width))×\(Int(region.height)) to \(targetSize!.width)×\(targetSize!.height): "
                           + "the service needs the long side under \(ServiceLimits.photoMaxLongSide) px")
        }
    }

    /// Remarks that do not change the file (a reframe that could not be done).
    var notes: [String] = []

    func apply(to image: RGBAImage) throws -> RGBAImage {
        var result = flatten ? PhotoPlan.flatten(image, onto: background) : image
        if let crop {
            result = PhotoPlan.crop(result, to: crop)
        }
        if let targetSize {
            result = try ImageConverter.resize(result, width: targetSize.width, height: targetSize.height, filter: .area)
        }
        return result
    }

    static func flatten(_ image: RGBAImage, onto color: RGBColor) -> RGBAImage {
        var pixels = image.pixels
        let background = [Int(color.r), Int(color.g), Int(color.b)]
        pixels.withUnsafeMutableBufferPointer { p in
            for i in stride(from: 0, to: p.count, by: 4) {
                let alpha = Int(p[i + 3])
                guard alpha != 255 else { continue }
                for c in 0..<3 {
                    p[i + c] = UInt8((Int(p[i + c]) * alpha + background[c] * (255 - alpha) + 127) / 255)
                }
                p[i + 3] = 255
            }
        }
        return RGBAImage(width: image.width, height: image.height, pixels: pixels)
    }

    static func crop(_ image: RGBAImage, to rect: Rect) -> RGBAImage {
        let x = max(0, Int(rect.x.rounded())), y = max(0, Int(rect.y.rounded()))
        let width = min(image.width - x, Int(rect.width.rounded())), height = min(image.height - y, Int(rect.height.rounded()))
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        image.pixels.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                for row in 0..<height {
                    let from = ((y + row) * image.width + x) * 4
                    for i in 0..<(width * 4) { target[row * width * 4 + i] = source[from + i] }
                }
            }
        }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }
}
