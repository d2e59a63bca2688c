import Foundation

/// The sizes a RIFF/WAVE file declares, to tell a truncated file (its header promises more
/// sample data than the file holds) from a complete one. libavformat reads such files to
/// their end without complaint.
public struct WaveHeader: Sendable, Equatable {
    public var declaredDataBytes: Int64
    public var availableDataBytes: Int64
    public var byteRate: Int64

    /// True when the data chunk claims more bytes than follow it. The "unknown size" value
    /// 0xFFFFFFFF that streaming writers leave behind is not counted as a claim.
    public var isTruncated: Bool {
        declaredDataBytes != 0xFFFF_FFFF && declaredDataBytes > availableDataBytes
    }

    public var declaredDuration: Double? { byteRate > 0 ? Double(declaredDataBytes) / Double(byteRate) : nil }
    public var availableDuration: Double? { byteRate > 0 ? Double(availableDataBytes) / Double(byteRate) : nil }

    /// Nil when the file is not a RIFF/WAVE file or has no data chunk in its first megabyte.
    public static func read(_ path: String) throws -> WaveHeader? {
        let size = try InputFile.validate(path)
        let bytes = try InputFile.head(path, count: 1 << 20)
        return bytes.withUnsafeBytes { parse(ByteView($0), fileSize: size) }
    }

    static func parse(_ b: ByteView, fileSize: Int64) -> WaveHeader? {
        guard b.matches(Array("RIFF".utf8), at: 0), b.matches(Array("WAVE".utf8), at: 8) else { return nil }
        var offset = 12
        var byteRate: Int64 = 0
        while let size = b.le32(offset + 4) {
            let body = offset + 8
            if b.matches(Array("fmt ".utf8), at: offset) {
                byteRate = Int64(b.le32(body + 8) ?? 0)
            } else if b.matches(Array("data".utf8), at: offset) {
                return WaveHeader(declaredDataBytes: Int64(size), availableDataBytes: fileSize - Int64(body), byteRate: byteRate)
            }
            offset = body + Int(size) + Int(size & 1)
        }
        return nil
    }
}
