import CFFmpeg

/// One container a rendition's packets go into: a file (MP4, WebM) written under a
/// temporary name, or an HLS media playlist with its segments. Both streams are added and
/// the header written when it is made, so the encoders must be open by then.
final class RenditionOutput {
    let path: String
    private let muxer: Muxer
    private let videoStream: Int32
    private let audioStream: Int32?

    init(path: String, format: String, video: VideoEncoder, audio: AudioEncoder?, options: [String: String]) throws {
        self.path = path
        let muxer = try Muxer(path: path, format: format)
        videoStream = try muxer.addStream(for: video.codecContext)
        audioStream = try audio.map { try muxer.addStream(for: $0.codecContext) }
        try muxer.writeHeader(options: options)
        self.muxer = muxer
    }

    /// A file: MP4 (with faststart, the moov atom moved before mdat at the end) or WebM.
    static func file(_ path: String, container: TranscodeRendition.Container, faststart: Bool,
                     video: VideoEncoder, audio: AudioEncoder?) throws -> RenditionOutput {
        let options = container == .mp4 && faststart ? ["movflags": "+faststart"] : [:]
        return try RenditionOutput(path: path, format: container.rawValue, video: video, audio: audio, options: options)
    }

    /// An HLS media playlist `directory/index.m3u8` with MPEG-TS segments cut on keyframes
    /// once `segmentDuration` has passed; the playlist names its segments relative to itself.
    static func hls(in directory: String, segmentDuration: Double, video: VideoEncoder, audio: AudioEncoder?) throws -> RenditionOutput {
        let options = [
            "hls_time": String(segmentDuration),
            "hls_list_size": "0",
            "hls_playlist_type": "vod",
            "hls_segment_type": "mpegts",
            "hls_segment_filename": directory + "/segment-%03d.ts",
            "hls_flags": "independent_segments",
        ]
        return try RenditionOutput(path: directory + "/index.m3u8", format: "hls", video: video, audio: audio, options: options)
    }

    /// Writes a reference to `packet` (the caller keeps its own), produced in `timeBase`.
    func writeVideo(_ packet: Packet, timeBase: AVRational) throws {
        try muxer.write(try packet.reference(), stream: videoStream, timeBase: timeBase)
    }

    func writeAudio(_ packet: Packet, timeBase: AVRational) throws {
        guard let audioStream else { return }
        try muxer.write(try packet.reference(), stream: audioStream, timeBase: timeBase)
    }

    /// Writes the trailer and closes the file(s).
    func finish() throws {
        try muxer.finish()
    }
}
