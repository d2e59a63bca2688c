import CFFmpeg
import Foundation
import Synchronization

/// One rendition on a thread of its own: decoded frames arrive through a bounded queue and
/// are scaled (once) and encoded (once), and each packet is written to every output of the
/// rendition; the shared audio packets arrive through the same queue, in time order, so
/// each muxer is only ever used from this thread.
///
/// `@unchecked Sendable`: after `start`, the mutable state belongs to the worker's thread;
/// the coordinator reads it only after `join`, which waits for the thread to end.
final class RenditionWorker: @unchecked Sendable {
    enum Item {
        case video(Frame, keyframe: Bool)
        case audio(Packet)
    }

    let rendition: TranscodeRendition
    let queue: WorkQueue<Item>
    let encoder: VideoEncoder
    /// The audio this rendition carries (nil: video only).
    let audio: AudioCodecSettings?
    let outputs: [RenditionOutput]
    private let audioTimeBase: AVRational
    private let videoTimeBase: AVRational
    private let frameDuration: Int64
    private let scaled: Frame
    private var scaler: Scaler?
    private var scalerInput: (Int32, Int32, Int32, Bool)?
    private let encoded = Atomic<Int>(0)
    private let ended = DispatchSemaphore(value: 0)
    private var failure: Error?
    private(set) var keyframes = 0
    private(set) var videoBytes: Int64 = 0
    private(set) var audioBytes: Int64 = 0

    /// `outputs` receives the open encoders and returns the rendition's containers, headers written.
    init(rendition: TranscodeRendition, settings: VideoEncoder.Settings, audio: AudioEncoder?, audioCodec: AudioCodecSettings?,
         queueDepth: Int, outputs: (VideoEncoder, AudioEncoder?) throws -> [RenditionOutput]) throws {
        self.rendition = rendition
        let label = rendition.file ?? rendition.name
        encoder = try VideoEncoder(settings, globalHeader: true, path: label)
        self.audio = audio == nil ? nil : audioCodec
        self.outputs = try outputs(encoder, audio)
        audioTimeBase = audio?.codecContext.pointee.time_base ?? AVRational(num: 1, den: 1)
        videoTimeBase = encoder.codecContext.pointee.time_base
        frameDuration = max(1, av_rescale_q(1, av_inv_q(encoder.codecContext.pointee.framerate), videoTimeBase))
        scaled = try Frame()
        scaled.pointer.pointee.width = Int32(rendition.width)
        scaled.pointer.pointee.height = Int32(rendition.height)
        scaled.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        try ffcheck(av_frame_get_buffer(scaled.pointer, 0), "av_frame_get_buffer", path: label)
        queue = WorkQueue(capacity: queueDepth)
    }

    /// Frames encoded so far (read from any thread).
    var framesEncoded: Int { encoded.load(ordering: .relaxed) }

    func start() {
        let thread = Thread { [self] in
            run()
            ended.signal()
        }
        thread.name = "rendition \(rendition.name)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits for the thread to end and rethrows what stopped it.
    func join() throws {
        ended.wait()
        if let failure { throw failure }
    }

    private func run() {
        do {
            while let item = queue.pop() {
                switch item {
                case .video(let frame, let keyframe): try encode(frame, keyframe: keyframe)
                case .audio(let packet): try writeAudio(packet)
                }
            }
            // A cancelled queue means another part failed: leave without a trailer.
            if !queue.isCancelled { try finish() }
        } catch {
            failure = error
            queue.cancel()
        }
    }

    private func encode(_ frame: Frame, keyframe: Bool) throws {
        let picture = try self.picture(from: frame)
        picture.pointee.pts = frame.pointer.pointee.pts
        // Keyframes fall where the coordinator says and nowhere else (the source's own
        // picture types must not leak into the encoder).
        picture.pointee.pict_type = keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        try encoder.encode(picture) { try writeVideo($0) }
        encoded.add(1, ordering: .relaxed)
    }

    /// The frame to encode: the decoded one itself when it already has the rendition's size
    /// and format, otherwise a scaled copy (bicubic, as ffmpeg's scale filter does by default).
    private func picture(from frame: Frame) throws -> UnsafeMutablePointer<AVFrame> {
        let source = frame.pointer.pointee
        let fullRange = source.color_range == AVCOL_RANGE_JPEG || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P]
            .map(\.rawValue).contains(source.format)
        if source.width == Int32(rendition.width), source.height == Int32(rendition.height),
           source.format == AV_PIX_FMT_YUV420P.rawValue, !fullRange {
            return frame.pointer
        }
        let shape = (source.width, source.height, source.format, fullRange)
        if scaler == nil || scalerInput.map({ $0 != shape }) ?? true {
            scaler = try Scaler(sourceWidth: source.width, sourceHeight: source.height, sourceFormat: AVPixelFormat(rawValue: source.format),
                                fullRange: fullRange, targetWidth: Int32(rendition.width), targetHeight: Int32(rendition.height),
                                targetFormat: AV_PIX_FMT_YUV420P, flags: Int32(SWS_BICUBIC))
            scalerInput = shape
        }
        try ffcheck(av_frame_make_writable(scaled.pointer), "av_frame_make_writable", path: rendition.file)
        try scaler.unsafelyUnwrapped.scale(frame.pointer, into: scaled.pointer)
        return scaled.pointer
    }

    private func writeVideo(_ packet: Packet) throws {
        // libx264 leaves durations unset; the muxers need the last frame's to get the length right.
        if packet.pointer.pointee.duration == 0 { packet.pointer.pointee.duration = frameDuration }
        if (packet.pointer.pointee.flags & AV_PKT_FLAG_KEY) != 0 { keyframes += 1 }
        videoBytes += Int64(packet.pointer.pointee.size)
        for output in outputs { try output.writeVideo(packet, timeBase: videoTimeBase) }
    }

    private func writeAudio(_ packet: Packet) throws {
        audioBytes += Int64(packet.pointer.pointee.size)
        for output in outputs { try output.writeAudio(packet, timeBase: audioTimeBase) }
    }

    private func finish() throws {
        try encoder.finish { try writeVideo($0) }
        for output in outputs { try output.finish() }
    }
}
