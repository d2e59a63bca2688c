import Foundation

public enum ImageFormat: String, Sendable, Codable {
    case png, jpeg, webp, gif, bmp, tiff, heif, avif, unknown

    /// The file name extensions that name this format.
    public var extensions: [String] {
        switch self {
        case .png: return ["png"]
        case .jpeg: return ["jpg", "jpeg", "jpe", "jfif"]
        case .webp: return ["webp"]
        case .gif: return ["gif"]
        case .bmp: return ["bmp", "dib"]
        case .tiff: return ["tif", "tiff"]
        case .heif: return ["heic", "heif"]
        case .avif: return ["avif"]
        case .unknown: return []
        }
    }

    public var displayName: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        case .webp: return "WebP"
        case .gif: return "GIF"
        case .bmp: return "BMP"
        case .tiff: return "TIFF"
        case .heif: return "HEIF"
        case .avif: return "AVIF"
        case .unknown: return "unknown"
        }
    }
}

/// What an image file declares about itself, read from its header without decoding pixels:
/// the real format (from magic bytes), the stored size, the EXIF orientation, and whether
/// the file's own structure says it is complete.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    /// Stored size, before the EXIF orientation is applied. Nil when the header does not say.
    public var width: Int?
    public var height: Int?
    /// EXIF orientation, 1 (as stored) to 8.
    public var orientation: Int = 1
    public var bitDepth: Int?
    /// `gray`, `gray+alpha`, `palette`, `rgb`, `rgba`, `ycbcr`, `cmyk`…, when the header says.
    public var colorModel: String?
    public var hasAlphaChannel: Bool?
    /// False when the file's structure ends before it should (no JPEG EOI, no PNG IEND,
    /// a RIFF size beyond the end of the file). Nil when the format gives no such marker.
    public var isComplete: Bool?
    public var isProgressive: Bool = false

    /// The size as displayed, with the EXIF orientation applied.
    public var displayWidth: Int? { orientation >= 5 ? height : width }
    public var displayHeight: Int? { orientation >= 5 ? width : height }

    public static func read(_ path: String) throws -> ImageHeader {
        try InputFile.validate(path)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw MediaError(.unreadable, path: path, "cannot read: \(error.localizedDescription)")
        }
        return data.withUnsafeBytes { parse(ByteView($0)) }
    }

    public static func parse(_ bytes: [UInt8]) -> ImageHeader {
        bytes.withUnsafeBytes { parse(ByteView($0)) }
    }

    static func parse(_ bytes: ByteView) -> ImageHeader {
        let format = sniff(bytes)
        var header = ImageHeader(format: format)
        switch format {
        case .png: PNGHeader.parse(bytes, into: &header)
        case .jpeg: JPEGHeader.parse(bytes, into: &header)
        case .webp: WebPHeader.parse(bytes, into: &header)
        case .gif:
            header.width = bytes.le16(6).map(Int.init)
            header.height = bytes.le16(8).map(Int.init)
            header.colorModel = "palette"
        case .bmp:
            header.width = bytes.le32(18).map { Int(Int32(bitPattern: $0)) }.map(abs)
            header.height = bytes.le32(22).map { Int(Int32(bitPattern: $0)) }.map(abs)
            header.bitDepth = bytes.le16(28).map(Int.init)
        default:
            break
        }
        return header
    }

    /// The format from the first bytes; the file name plays no part.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat {
        bytes.withUnsafeBytes { sniff(ByteView($0)) }
    }

    static func sniff(_ b: ByteView) -> ImageFormat {
        if b.matches([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], at: 0) { return .png }
        if b.matches([0xFF, 0xD8, 0xFF], at: 0) { return .jpeg }
        if b.matches(Array("RIFF".utf8), at: 0), b.matches(Array("WEBP".utf8), at: 8) { return .webp }
        if b.matches(Array("GIF87a".utf8), at: 0) || b.matches(Array("GIF89a".utf8), at: 0) { return .gif }
        if b.matches(Array("BM".utf8), at: 0), b.count > 26 { return .bmp }
        if b.matches([0x49, 0x49, 0x2A, 0x00], at: 0) || b.matches([0x4D, 0x4D, 0x00, 0x2A], at: 0) { return .tiff }
        if b.matches(Array("ftyp".utf8), at: 4) {
            let brand = String(decoding: (8..<12).compactMap { b.byte($0) }, as: UTF8.self)
            if brand == "avif" || brand == "avis" { return .avif }
            if ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"].contains(brand) { return .heif }
        }
        return .unknown
    }
}

/// Bounds-checked reads from an untrusted buffer: every accessor returns nil past the end.
struct ByteView {
    let base: UnsafeRawBufferPointer
    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var count: Int { base.count }

    func byte(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < base.count ? base[offset] : nil
    }

    func matches(_ pattern: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + pattern.count <= base.count else { return false }
        for (i, value) in pattern.enumerated() where base[offset + i] != value { return false }
        return true
    }

    func be16(_ o: Int) -> UInt16? {
        guard let a = byte(o), let b = byte(o + 1) else { return nil }
        return UInt16(a) << 8 | UInt16(b)
    }

    func le16(_ o: Int) -> UInt16? {
        guard let a = byte(o), let b = byte(o + 1) else { return nil }
        return UInt16(b) << 8 | UInt16(a)
    }

    func be32(_ o: Int) -> UInt32? {
        guard let hi = be16(o), let lo = be16(o + 2) else { return nil }
        return UInt32(hi) << 16 | UInt32(lo)
    }

    func le32(_ o: Int) -> UInt32? {
        guard let lo = le16(o), let hi = le16(o + 2) else { return nil }
        return UInt32(hi) << 16 | UInt32(lo)
    }

    func le24(_ o: Int) -> UInt32? {
        guard let a = byte(o), let b = byte(o + 1), let c = byte(o + 2) else { return nil }
        return UInt32(c) << 16 | UInt32(b) << 8 | UInt32(a)
    }

    func u16(_ o: Int, bigEndian: Bool) -> UInt16? { bigEndian ? be16(o) : le16(o) }
    func u32(_ o: Int, bigEndian: Bool) -> UInt32? { bigEndian ? be32(o) : le32(o) }
}

enum PNGHeader {
    static func parse(_ b: ByteView, into header: inout ImageHeader) {
        guard b.matches(Array("IHDR".utf8), at: 12) else { return }
        header.width = b.be32(16).map(Int.init)
        header.height = b.be32(20).map(Int.init)
        header.bitDepth = b.byte(24).map(Int.init)
        if let type = b.byte(25) {
            let models: [UInt8: String] = [0: "gray", 2: "rgb", 3: "palette", 4: "gray+alpha", 6: "rgba"]
            header.colorModel = models[type]
            header.hasAlphaChannel = type == 4 || type == 6
        }
        header.isComplete = endsWithIEND(b)
        if header.hasAlphaChannel == false, hasChunk("tRNS", b) { header.hasAlphaChannel = true }
    }

    /// Walks the chunk list: a file whose chunks run past its end, or stop before IEND, is cut.
    static func endsWithIEND(_ b: ByteView) -> Bool {
        var offset = 8
        while let length = b.be32(offset) {
            let type = offset + 4
            if b.matches(Array("IEND".utf8), at: type) { return true }
            let next = offset + 12 + Int(length)
            guard next > offset, next <= b.count else { return false }
            offset = next
        }
        return false
    }

    static func hasChunk(_ name: String, _ b: ByteView) -> Bool {
        var offset = 8
        let wanted = Array(name.utf8)
        while let length = b.be32(offset) {
            if b.matches(wanted, at: offset + 4) { return true }
            if b.matches(Array("IDAT".utf8), at: offset + 4) { return false }
            let next = offset + 12 + Int(length)
            guard next > offset, next <= b.count else { return false }
            offset = next
        }
        return false
    }
}

enum JPEGHeader {
    /// Walks the marker segments (size, components, EXIF orientation) and the entropy-coded
    /// data of every scan to the EOI marker; progressive files have several scans.
    static func parse(_ b: ByteView, into header: inout ImageHeader) {
        var offset = 2
        header.isComplete = false
        while let prefix = b.byte(offset), prefix == 0xFF, let marker = b.byte(offset + 1) {
            if marker == 0xFF { offset += 1; continue }  // fill byte
            if marker == 0xD9 { header.isComplete = true; return }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue }
            guard let length = b.be16(offset + 2), length >= 2 else { return }
            let segment = offset + 4
            if isStartOfFrame(marker) {
                header.bitDepth = b.byte(segment).map(Int.init)
                header.height = b.be16(segment + 1).map(Int.init)
                header.width = b.be16(segment + 3).map(Int.init)
                let components = b.byte(segment + 5) ?? 0
                header.colorModel = components == 1 ? "gray" : components == 4 ? "cmyk" : "ycbcr"
                header.hasAlphaChannel = false
                header.isProgressive = [0xC2, 0xC6, 0xCA, 0xCE].contains(marker)
            } else if marker == 0xE1, b.matches(Array("Exif".utf8) + [0, 0], at: segment) {
                header.orientation = exifOrientation(b, tiffStart: segment + 6, end: offset + 2 + Int(length)) ?? 1
            }
            offset += 2 + Int(length)
            if marker == 0xDA {
                // Entropy-coded data follows the scan header, up to the next marker.
                guard let next = nextMarker(b, from: offset) else { return }
                offset = next
            }
        }
    }

    static func isStartOfFrame(_ marker: UInt8) -> Bool {
        (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
    }

    /// The offset of the next real marker in entropy-coded data (FF00 is a stuffed byte and
    /// RSTn markers belong to the scan).
    static func nextMarker(_ b: ByteView, from start: Int) -> Int? {
        b.base.withMemoryRebound(to: UInt8.self) { bytes -> Int? in
            var i = start
            while i + 1 < bytes.count {
                if bytes[i] == 0xFF {
                    let next = bytes[i + 1]
                    if next != 0x00 && next != 0xFF && !(0xD0...0xD7).contains(next) { return i }
                }
                i += 1
            }
            return nil
        }
    }

    static func exifOrientation(_ b: ByteView, tiffStart t: Int, end: Int) -> Int? {
        let bigEndian: Bool
        if b.matches(Array("MM".utf8), at: t) { bigEndian = true }
        else if b.matches(Array("II".utf8), at: t) { bigEndian = false }
        else { return nil }
        guard b.u16(t + 2, bigEndian: bigEndian) == 42, let ifd = b.u32(t + 4, bigEndian: bigEndian) else { return nil }
        let directory = t + Int(ifd)
        guard let entries = b.u16(directory, bigEndian: bigEndian) else { return nil }
        for i in 0..<Int(entries) {
            let entry = directory + 2 + 12 * i
            guard entry + 12 <= end else { return nil }
            if b.u16(entry, bigEndian: bigEndian) == 0x0112, let value = b.u16(entry + 8, bigEndian: bigEndian) {
                return (1...8).contains(value) ? Int(value) : nil
            }
        }
        return nil
    }
}

enum WebPHeader {
    static func parse(_ b: ByteView, into header: inout ImageHeader) {
        if let riffSize = b.le32(4) { header.isComplete = Int(riffSize) + 8 <= b.count }
        let data = 20
        if b.matches(Array("VP8 ".utf8), at: 12) {
            guard b.matches([0x9D, 0x01, 0x2A], at: data + 3) else { return }
            header.width = b.le16(data + 6).map { Int($0 & 0x3FFF) }
            header.height = b.le16(data + 8).map { Int($0 & 0x3FFF) }
            header.colorModel = "ycbcr"
            header.hasAlphaChannel = false
        } else if b.matches(Array("VP8L".utf8), at: 12) {
            guard b.byte(data) == 0x2F, let bits = b.le32(data + 1) else { return }
            header.width = Int(bits & 0x3FFF) + 1
            header.height = Int((bits >> 14) & 0x3FFF) + 1
            header.hasAlphaChannel = (bits >> 28) & 1 == 1
            header.colorModel = header.hasAlphaChannel == true ? "rgba" : "rgb"
        } else if b.matches(Array("VP8X".utf8), at: 12) {
            guard let flags = b.byte(data), let w = b.le24(data + 4), let h = b.le24(data + 7) else { return }
            header.width = Int(w) + 1
            header.height = Int(h) + 1
            header.hasAlphaChannel = flags & 0x10 != 0
        }
        header.bitDepth = 8
    }
}
