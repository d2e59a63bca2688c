import CFFmpeg
import Foundation

/// The source of a transcode, read once in file order: its demuxer, the video decoder and,
/// when the file has audio, the audio decoder. Damage is an error here, not something to
/// conceal: renditions of a broken file would carry the damage to every screen.
final class TranscodeSource {
    enum Kind { case video, audio }

    let path: String
    private let demuxer: Demuxer
    private let videoIndex: Int32
    private let audioIndex: Int32?
    let videoDecoder: Decoder
    let audioDecoder: Decoder?
    let videoTimeBase: AVRational
    let audioTimeBase: AVRational
    /// Frames a second (the stream's average rate; 25 when the file does not say).
    let frameRate: AVRational
    let width: Int
    let height: Int
    /// Seconds the container declares for the video stream, or for the file.
    let declaredDuration: Double?
    /// Seconds the video stream itself declares (nil when only the file says).
    let videoStreamDuration: Double?
    /// The source instant of the video stream's first frame, in seconds.
    let videoStart: Double

    init(path: String, decoderThreads: Int) throws {
        self.path = path
        demuxer = try Demuxer(path: path)
        try demuxer.findStreamInfo()
        let audio = demuxer.bestStream(AVMEDIA_TYPE_AUDIO)
        guard let video = demuxer.bestStream(AVMEDIA_TYPE_VIDEO),
              (demuxer.stream(video).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) == 0 else {
            throw MediaError(.noStream, path: path, audio == nil ? "holds no video stream"
                             : "holds audio only: renditions need a video stream")
        }
        videoIndex = video
        audioIndex = audio
        let stream = demuxer.stream(video)
        videoTimeBase = stream.pointee.time_base
        videoDecoder = try Decoder(stream: stream, path: path, threads: decoderThreads)
        if let audio {
            let audioStream = demuxer.stream(audio)
            audioTimeBase = audioStream.pointee.time_base
            audioDecoder = try Decoder(stream: audioStream, path: path)
        } else {
            audioTimeBase = AVRational(num: 1, den: 1)
            audioDecoder = nil
        }
        let average = stream.pointee.avg_frame_rate, real = stream.pointee.r_frame_rate
        frameRate = average.num > 0 && average.den > 0 ? average
            : real.num > 0 && real.den > 0 ? real : AVRational(num: 25, den: 1)
        let parameters = stream.pointee.codecpar.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        guard width > 0, height > 0 else {
            throw MediaError(.corrupt, path: path, "declares a video of \(width)×\(height) pixels")
        }
        videoStreamDuration = MediaProbe.seconds(stream.pointee.duration, videoTimeBase)
        declaredDuration = videoStreamDuration ?? demuxer.duration
        let start = stream.pointee.start_time
        videoStart = start == swift_AV_NOPTS_VALUE ? 0 : Double(start) * av_q2d(videoTimeBase)
    }

    var hasAudio: Bool { audioDecoder != nil }

    /// Positions both streams at the last video keyframe at or before `seconds` (source
    /// time, the timestamps' own scale).
    func seek(to seconds: Double) throws {
        let target = Int64(seconds * Double(AV_TIME_BASE))
        try ffcheck(avformat_seek_file(demuxer.format, -1, Int64.min, target, target, 0), "avformat_seek_file",
                    path: path, context: demuxer.format)
    }

    /// Decodes both streams in file order. `body` sees each decoded frame (valid only during
    /// the call) and returns false once it wants no more frames of any kind.
    func decode(_ body: (Kind, Frame) throws -> Bool) throws {
        let packet = try Packet(), frame = try Frame()
        while try demuxer.read(into: packet) {
            defer { packet.unref() }
            let kind: Kind
            if packet.streamIndex == videoIndex {
                kind = .video
            } else if let audioIndex, packet.streamIndex == audioIndex {
                kind = .audio
            } else {
                continue
            }
            if (packet.pointer.pointee.flags & AV_PKT_FLAG_CORRUPT) != 0 {
                throw MediaError(.truncated, path: path, "is cut short or damaged: its \(kind) packet at \(time(of: packet, kind)) is incomplete")
            }
            let decoder = kind == .video ? videoDecoder : audioDecoder.unsafelyUnwrapped
            while try !send(packet, to: decoder, kind) {
                // The decoder holds frames it has not handed out yet: take them first.
                guard try drain(decoder, kind, into: frame, body) else { return }
            }
            guard try drain(decoder, kind, into: frame, body) else { return }
        }
        // End of file: flush both decoders of the frames they still hold.
        _ = try send(nil, to: videoDecoder, .video)
        guard try drain(videoDecoder, .video, into: frame, body) else { return }
        if let audioDecoder {
            _ = try send(nil, to: audioDecoder, .audio)
            _ = try drain(audioDecoder, .audio, into: frame, body)
        }
    }

    private func send(_ packet: Packet?, to decoder: Decoder, _ kind: Kind) throws -> Bool {
        do {
            return try decoder.send(packet)
        } catch let error as FFmpegError where error.isDamagedData {
            throw MediaError(.corrupt, path: path, "has a damaged \(kind) packet at \(packet.map { time(of: $0, kind) } ?? "its end")"
                             + (error.logLine.map { " (FFmpeg: \($0))" } ?? ""))
        }
    }

    /// Hands every frame the decoder has ready to `body`; false when `body` wants no more.
    private func drain(_ decoder: Decoder, _ kind: Kind, into frame: Frame, _ body: (Kind, Frame) throws -> Bool) throws -> Bool {
        while true {
            let output: Decoder.Output
            do {
                output = try decoder.receive(into: frame)
            } catch let error as FFmpegError where error.isDamagedData {
                throw MediaError(.corrupt, path: path, "has damaged \(kind) data (FFmpeg: \(error.logLine ?? error.message))")
            }
            guard output == .frame else { return true }
            defer { frame.unref() }
            if try !body(kind, frame) { return false }
        }
    }

    private func time(of packet: Packet, _ kind: Kind) -> String {
        let value = packet.pointer.pointee.pts != swift_AV_NOPTS_VALUE ? packet.pointer.pointee.pts : packet.pointer.pointee.dts
        guard value != swift_AV_NOPTS_VALUE else { return "an unknown time" }
        let seconds = Double(value) * av_q2d(kind == .video ? videoTimeBase : audioTimeBase)
        return String(format: "%.2f s", seconds)
    }
}
