import Foundation

/// The top-level boxes of an MP4 file, in order (to check faststart: moov before mdat).
public enum MP4Atoms {
    public static func topLevel(_ path: String) -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        var names: [String] = []
        var offset: UInt64 = 0
        let size = (try? handle.seekToEnd()) ?? 0
        while offset + 8 <= size {
            try? handle.seek(toOffset: offset)
            guard let header = try? handle.read(upToCount: 16), header.count >= 8 else { break }
            let bytes = [UInt8](header)
            var length = UInt64(bytes[0]) << 24 | UInt64(bytes[1]) << 16 | UInt64(bytes[2]) << 8 | UInt64(bytes[3])
            names.append(String(decoding: bytes[4..<8], as: UTF8.self))
            if length == 1, bytes.count >= 16 {
                length = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
            } else if length == 0 {
                break
            }
            guard length >= 8 else { break }
            offset += length
        }
        return names
    }
}

extension Judge {
    /// One decoded video frame at `seconds` as RGBA, through the ffmpeg CLI.
    public static func frame(_ path: String, at seconds: Double, width: Int, height: Int) -> [UInt8] {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let raw = directory.file("frame.rgba")
        _ = ffmpeg(["-loglevel", "error", "-ss", String(seconds), "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", raw])
        let data = (try? Data(contentsOf: URL(fileURLWithPath: raw))) ?? Data()
        return data.count == width * height * 4 ? [UInt8](data) : []
    }
}
