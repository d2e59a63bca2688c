import CFFmpeg

/// Proof that a downloaded render is a whole, clean video: a real video stream with at least
/// a second of frames and an audio stream, every packet of both decoded with FFmpeg's error
/// detection on, no packet flagged corrupt, and as much decoded as the container declares (a
/// faststart MP4 cut short ends in a clean EOF, so only the lengths tell).
public struct VerifiedVideo: Sendable, Equatable {
    public var info: MediaInfo
    public var decodedFrames: Int
    public var decodedVideoSeconds: Double
    public var decodedAudioSeconds: Double
}

/// Why a file did not verify: the file's fault, or this machine's.
public enum VerificationFailure: Error, Sendable, CustomStringConvertible {
    /// Not a whole, clean video: set it aside and download it again.
    case damaged(path: String, reason: String)
    /// This machine could not judge it (out of memory, no decoder, misuse): the file is not
    /// at fault and must not be thrown away.
    case local(path: String, reason: String)

    public var description: String {
        switch self {
        case .damaged(let path, let reason): return "\(path): \(reason)"
        case .local(let path, let reason): return "\(path) could not be checked on this machine: \(reason)"
        }
    }
}

public enum VideoVerifier {
    public static let minimumSeconds = 1.0
    /// Checked with every check FFmpeg's decoders have; `explode` turns a concealed error into
    /// a failed call.
    static let errorDetection = ["err_detect": "crccheck+bitstream+buffer+explode"]

    public static func verify(_ path: String) throws -> VerifiedVideo {
        do {
            return try check(path)
        } catch let failure as VerificationFailure {
            throw failure
        } catch let error as FFmpegError {
            let local = error.code == swift_AVERROR(ENOMEM) || error.code == swift_AVERROR(EINVAL)
            throw local ? VerificationFailure.local(path: path, reason: error.description)
                        : VerificationFailure.damaged(path: path, reason: error.description)
        } catch let error as MediaError {
            throw error.kind == .unsupported ? VerificationFailure.local(path: path, reason: error.detail)
                                             : VerificationFailure.damaged(path: path, reason: error.detail)
        }
    }

    private static func check(_ path: String) throws -> VerifiedVideo {
        let info = try MediaProbe.probe(path)
        if info.container.hasSuffix("_pipe") || info.container == "image2" {
            throw VerificationFailure.damaged(path: path, reason: "is a picture (\(info.containerLongName)), not a video")
        }
        let demuxer = try Demuxer(path: path)
        try demuxer.findStreamInfo()
        guard let videoIndex = demuxer.bestStream(AVMEDIA_TYPE_VIDEO),
              !((demuxer.stream(videoIndex).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) else {
            throw VerificationFailure.damaged(path: path, reason: "holds no video stream")
        }
        guard let audioIndex = demuxer.bestStream(AVMEDIA_TYPE_AUDIO) else {
            throw VerificationFailure.damaged(path: path, reason: "holds no audio stream (a render always has its speech)")
        }
        let video = try StreamTally(stream: demuxer.stream(videoIndex), path: path)
        let audio = try StreamTally(stream: demuxer.stream(audioIndex), path: path)
        let packet = try Packet()
        while try demuxer.read(into: packet) {
            defer { packet.unref() }
            switch packet.streamIndex {
            case videoIndex: try video.decode(packet)
            case audioIndex: try audio.decode(packet)
            default: continue
            }
        }
        try video.decode(nil)
        try audio.decode(nil)
        return try judge(info: info, video: video, audio: audio, path: path)
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }

    private static func judge(info: MediaInfo, video: StreamTally, audio: StreamTally, path: String) throws -> VerifiedVideo {
        func damaged(_ reason: String) -> VerificationFailure { .damaged(path: path, reason: reason) }
        let corrupt = video.corruptPackets + audio.corruptPackets
        if corrupt > 0 { throw damaged("has \(corrupt) packet(s) flagged corrupt") }
        guard video.frames > 0 else { throw damaged("holds no decodable video frame") }
        let videoSeconds = video.decodedSeconds
        guard videoSeconds >= minimumSeconds else {
            throw damaged("holds \(video.frames) frame(s), \(seconds(videoSeconds)) of video: under the \(seconds(minimumSeconds)) a render has at least")
        }
        guard audio.samples > 0 else { throw damaged("its audio stream decodes to nothing") }
        let frame = video.frameSeconds
        if let declared = video.declaredSeconds, abs(declared - videoSeconds) > frame + 0.001 {
            throw damaged("declares \(seconds(declared)) of video but \(seconds(videoSeconds)) decodes (cut short?)")
        }
        let audioSeconds = audio.decodedSeconds
        if let declared = audio.declaredSeconds, abs(declared - audioSeconds) > max(frame, 0.1) {
            throw damaged("declares \(seconds(declared)) of audio but \(seconds(audioSeconds)) decodes (cut short?)")
        }
        return VerifiedVideo(info: info, decodedFrames: video.frames, decodedVideoSeconds: videoSeconds,
                             decodedAudioSeconds: audioSeconds)
    }
}

/// One stream decoded to the end: frames, samples, the span of the timestamps, corrupt flags.
private final class StreamTally {
    let decoder: Decoder
    let frame: Frame
    let timeBase: AVRational
    let declaredSeconds: Double?
    let frameSeconds: Double
    private(set) var frames = 0
    private(set) var samples = 0
    private(set) var corruptPackets = 0
    private var sampleRate: Int32
    private var firstTimestamp: Int64?
    private var endTimestamp: Int64 = 0

    init(stream: UnsafeMutablePointer<AVStream>, path: String) throws {
        decoder = try Decoder(stream: stream, path: path, options: VideoVerifier.errorDetection)
        frame = try Frame()
        timeBase = stream.pointee.time_base
        let parameters = stream.pointee.codecpar.pointee
        sampleRate = parameters.sample_rate
        let rate = stream.pointee.avg_frame_rate.num > 0 ? av_q2d(stream.pointee.avg_frame_rate) : 25
        frameSeconds = 1 / rate
        let duration = stream.pointee.duration
        declaredSeconds = duration != swift_AV_NOPTS_VALUE && duration > 0 ? Double(duration) * av_q2d(stream.pointee.time_base) : nil
    }

    /// Video: first timestamp to the end of the last frame. Audio: the samples decoded.
    var decodedSeconds: Double {
        if sampleRate > 0 { return Double(samples) / Double(sampleRate) }
        guard let firstTimestamp else { return 0 }
        return Double(endTimestamp - firstTimestamp) * av_q2d(timeBase)
    }

    /// Sends one packet (nil: the end) and takes every frame it gives.
    func decode(_ packet: Packet?) throws {
        if let packet, (packet.pointer.pointee.flags & AV_PKT_FLAG_CORRUPT) != 0 { corruptPackets += 1 }
        while try !decoder.send(packet) { try drain() }
        try drain()
    }

    private func drain() throws {
        while try decoder.receive(into: frame) == .frame {
            count(frame.pointer.pointee)
            frame.unref()
        }
    }

    private func count(_ decoded: AVFrame) {
        frames += 1
        samples += Int(decoded.nb_samples)
        if decoded.sample_rate > 0 { sampleRate = decoded.sample_rate }
        let timestamp = decoded.best_effort_timestamp
        guard timestamp != swift_AV_NOPTS_VALUE else { return }
        if firstTimestamp == nil { firstTimestamp = timestamp }
        let duration = decoded.pkt_duration > 0 ? decoded.pkt_duration : Int64((frameSeconds / av_q2d(timeBase)).rounded())
        endTimestamp = max(endTimestamp, timestamp + duration)
    }
}
