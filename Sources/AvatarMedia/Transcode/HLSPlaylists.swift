import Foundation

/// The playlists of an HLS tree: libavformat's hls muxer writes each rendition's media
/// playlist; the master playlist that lists them is written here, with the bandwidth each
/// rendition really needs (measured from its segments) and its codecs.
enum HLSPlaylists {
    struct Variant {
        var name: String
        var width: Int
        var height: Int
        var frameRate: Double
        var codecs: String
    }

    /// The segments a media playlist lists (`#EXTINF` durations and the files, relative to it).
    static func segments(of playlist: String) throws -> [HLSSegment] {
        let text = try String(contentsOfFile: playlist, encoding: .utf8)
        let directory = (playlist as NSString).deletingLastPathComponent
        var segments: [HLSSegment] = []
        var pending: Double?
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("#EXTINF:") {
                pending = Double(line.dropFirst("#EXTINF:".count).prefix { $0 != "," })
            } else if !line.isEmpty, !line.hasPrefix("#"), let duration = pending {
                let path = (directory as NSString).appendingPathComponent(line)
                segments.append(HLSSegment(file: path, duration: duration, bytes: Staging.size(of: path) ?? 0))
                pending = nil
            }
        }
        guard !segments.isEmpty else { throw MediaError(.corrupt, path: playlist, "lists no segments") }
        return segments
    }

    /// Peak and average bits per second over the segments.
    static func bandwidth(_ segments: [HLSSegment]) -> (peak: Int, average: Int) {
        let total = segments.reduce(0.0) { $0 + $1.duration }
        let bytes = segments.reduce(Int64(0)) { $0 + $1.bytes }
        // A short last segment says little about the peak; judge the peak by full-length ones.
        let judged = segments.count > 1 ? segments.dropLast() : segments[...]
        let peak = judged.map { Double($0.bytes) * 8 / max($0.duration, 0.001) }.max() ?? 0
        let average = Double(bytes) * 8 / max(total, 0.001)
        return (Int(max(peak, average).rounded(.up)), Int(average.rounded(.up)))
    }

    /// Writes `master.m3u8` listing one media playlist per variant (`<name>/index.m3u8`).
    static func writeMaster(_ path: String, variants: [(Variant, bandwidth: (peak: Int, average: Int))]) throws {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
        for (variant, bandwidth) in variants {
            lines.append("#EXT-X-STREAM-INF:BANDWIDTH=\(bandwidth.peak),AVERAGE-BANDWIDTH=\(bandwidth.average),"
                         + "RESOLUTION=\(variant.width)x\(variant.height),FRAME-RATE=\(String(format: "%.3f", variant.frameRate)),"
                         + "CODECS=\"\(variant.codecs)\"")
            lines.append("\(variant.name)/index.m3u8")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
}
