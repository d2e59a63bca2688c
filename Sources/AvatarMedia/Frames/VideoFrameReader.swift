import CFFmpeg

/// A frame wanted from a video: the picture on screen at `time` (seconds from the start of
/// the video's timeline), scaled to `width`×`height`.
public struct FrameRequest: Sendable, Hashable {
    public var time: Double
    public var width: Int
    public var height: Int

    public init(time: Double, width: Int, height: Int) {
        self.time = time
        self.width = width
        self.height = height
    }
}

/// A decoded picture of a video, as RGBA at the size that was asked for.
public struct VideoFrame: Sendable {
    /// The time that was asked for.
    public var requestedTime: Double
    /// When this frame starts to show, in seconds from the start of the video's timeline.
    public var time: Double
    public var image: RGBAImage

    public init(requestedTime: Double, time: Double, image: RGBAImage) {
        self.requestedTime = requestedTime
        self.time = time
        self.image = image
    }
}

/// Hands out RGBA pictures of a video at chosen times or every Nth frame, scaled to chosen
/// sizes. Many times are served by one forward decode: each decoded frame is kept until the
/// next one arrives, and every request whose time falls between the two is scaled from it.
/// Only a gap longer than `seekGap` is skipped by seeking, since seeking lands on a keyframe
/// and decodes forward from there anyway.
///
/// Times are measured from the container's start time, the timeline players and
/// `ffmpeg -ss` use, so a video whose first packet has a non-zero timestamp still starts at 0.
public final class VideoFrameReader {
    public let path: String
    /// The coded picture size.
    public let width: Int
    public let height: Int
    /// The displayed width: `width` stretched by the sample aspect ratio (equal for square pixels).
    public let displayWidth: Int
    /// Seconds, when the container or stream declares it.
    public let duration: Double?
    /// Frames per second, when the stream declares an average rate.
    public let frameRate: Double?
    /// Skip ahead by seeking when the next wanted time is more than this many seconds past
    /// the last decoded frame.
    public var seekGap = 8.0

    private let demuxer: Demuxer
    private let decoder: Decoder
    private let streamIndex: Int32
    private let timeBase: AVRational
    /// The container's start, in seconds; subtracted from every frame's timestamp.
    private let origin: Double
    private var scalers: [ScalerKey: Scaler] = [:]
    /// Packets the decoder refused as damaged; decoding goes on after each.
    public private(set) var damagedPackets = 0

    public init(path: String) throws {
        self.path = path
        demuxer = try Demuxer(path: path)
        try demuxer.findStreamInfo()
        guard let index = Self.pictureStream(demuxer) else {
            throw MediaError(.noStream, path: path, "holds no video stream")
        }
        streamIndex = index
        let stream = demuxer.stream(index)
        decoder = try Decoder(stream: stream, path: path)
        timeBase = stream.pointee.time_base
        let parameters = stream.pointee.codecpar.unsafelyUnwrapped.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        guard width > 0, height > 0 else {
            throw MediaError(.corrupt, path: path, "declares a \(width)×\(height) video")
        }
        let aspect = parameters.sample_aspect_ratio
        displayWidth = aspect.num > 0 && aspect.den > 0 && aspect.num != aspect.den
            ? Int((Double(width) * av_q2d(aspect)).rounded()) : width
        let start = demuxer.format.pointee.start_time
        if start != swift_AV_NOPTS_VALUE {
            origin = Double(start) / Double(AV_TIME_BASE)
        } else if stream.pointee.start_time != swift_AV_NOPTS_VALUE {
            origin = Double(stream.pointee.start_time) * av_q2d(timeBase)
        } else {
            origin = 0
        }
        duration = MediaProbe.seconds(stream.pointee.duration, timeBase) ?? demuxer.duration
        // The base rate of a constant-rate stream is exact; the average is skewed when the
        // stream's duration leaves out its last frame (63 frames in 2.48 s reads 25.4 fps).
        let base = stream.pointee.r_frame_rate, average = stream.pointee.avg_frame_rate
        if base.num > 0, base.den > 0, av_q2d(base) <= 120 {
            frameRate = av_q2d(base)
        } else {
            frameRate = average.num > 0 && average.den > 0 ? av_q2d(average) : nil
        }
    }

    /// The first video stream that is not cover art.
    private static func pictureStream(_ demuxer: Demuxer) -> Int32? {
        if let best = demuxer.bestStream(AVMEDIA_TYPE_VIDEO),
           (demuxer.stream(best).pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) == 0 {
            return best
        }
        return demuxer.streams.first {
            $0.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO && ($0.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC) == 0
        }.map { $0.pointee.index }
    }

    /// A size of the displayed aspect ratio with the given width, the height rounded to an even number.
    public func size(width target: Int) -> (width: Int, height: Int) {
        let scaled = Double(target) * Double(height) / Double(displayWidth)
        return (target, max(2, 2 * Int((scaled / 2).rounded())))
    }

    /// A size of the displayed aspect ratio whose longer side is `longSide` (never larger
    /// than the video), both sides even.
    public func size(longSide: Int) -> (width: Int, height: Int) {
        let side = Double(min(longSide, max(displayWidth, height)))
        let scale = side / Double(max(displayWidth, height))
        func even(_ value: Double) -> Int { max(2, 2 * Int((value / 2).rounded())) }
        return (even(Double(displayWidth) * scale), even(Double(height) * scale))
    }

    /// The frames for `requests`, in the order of the requests.
    public func frames(for requests: [FrameRequest]) throws -> [VideoFrame] {
        var out = [VideoFrame?](repeating: nil, count: requests.count)
        try read(requests) { index, frame in out[index] = frame }
        return out.compactMap { $0 }
    }

    /// The frames at `times`, all at one size, in the order of the times.
    public func frames(at times: [Double], width: Int, height: Int) throws -> [VideoFrame] {
        try frames(for: times.map { FrameRequest(time: $0, width: width, height: height) })
    }

    /// Calls `body` with each request's index and its frame, in time order, as the decode
    /// reaches it; only the frame being scaled is in memory. A time before the first frame
    /// gets the first frame, a time past the end the last one.
    public func read(_ requests: [FrameRequest], _ body: (Int, VideoFrame) throws -> Void) throws {
        guard !requests.isEmpty else { return }
        for request in requests where request.width <= 0 || request.height <= 0 || !request.time.isFinite {
            throw MediaError(.corrupt, path: path, "cannot take a \(request.width)×\(request.height) frame at \(request.time) s")
        }
        let order = requests.indices.sorted { requests[$0].time < requests[$1].time }
        var next = 0
        let held = try Frame()
        var heldTime: Double?
        // A frame is "at" t when it starts at or before t; a millisecond of slack absorbs the
        // rounding of timestamps into the stream's time base.
        let slack = 0.001

        func serve(upTo limit: Double?, with frame: Frame, at time: Double) throws {
            while next < order.count, limit.map({ requests[order[next]].time < $0 - slack }) ?? true {
                let request = requests[order[next]]
                let image = try scale(frame.pointer, width: request.width, height: request.height)
                try body(order[next], VideoFrame(requestedTime: request.time, time: time, image: image))
                next += 1
            }
        }

        seek(to: requests[order[0]].time)
        let decoded = try Frame()
        try decodeFrames(into: decoded, wantedTime: { next < order.count ? requests[order[next]].time : nil },
                         lastTime: { heldTime }) { time in
            if let previous = heldTime {
                try serve(upTo: time, with: held, at: previous)
            } else {
                // The first frame after a (re)start serves every request before it.
                try serve(upTo: time + 2 * slack, with: decoded, at: time)
            }
            held.unref()
            try ffcheck(av_frame_ref(held.pointer, decoded.pointer), "av_frame_ref", path: path)
            heldTime = time
            return next < order.count
        } restarted: {
            held.unref()
            heldTime = nil
        }
        if next < order.count {
            guard let last = heldTime else {
                throw MediaError(.corrupt, path: path, "holds no decodable video frame")
            }
            try serve(upTo: nil, with: held, at: last)
        }
    }

    /// Calls `body` with every `step`th frame from the start (the first, the step+1th…),
    /// scaled to `width`×`height`, until it returns false or the video ends.
    public func forEachFrame(every step: Int = 1, width: Int, height: Int, _ body: (VideoFrame) throws -> Bool) throws {
        let step = max(1, step)
        var count = 0
        seek(to: 0)
        let decoded = try Frame()
        try decodeFrames(into: decoded, wantedTime: { nil }, lastTime: { nil }) { time in
            defer { count += 1 }
            guard count % step == 0 else { return true }
            let image = try scale(decoded.pointer, width: width, height: height)
            return try body(VideoFrame(requestedTime: time, time: time, image: image))
        } restarted: {}
    }

    /// Positions the demuxer at the keyframe at or before `time` (the start for 0), and
    /// empties the decoder.
    private func seek(to time: Double) {
        let target = Int64(((max(0, time) + origin) / av_q2d(timeBase)).rounded(.down))
        // A file that cannot seek (no index) is read on from where it is; the requests are
        // still served, only less cheaply.
        if av_seek_frame(demuxer.format, streamIndex, target, AVSEEK_FLAG_BACKWARD) >= 0 {
            avcodec_flush_buffers(decoder.codecContext)
        }
    }

    /// Decodes forward, calling `frame` with each frame's time until it returns false or the
    /// stream ends. Before reading a packet, skips ahead by seeking when `wantedTime` is more
    /// than `seekGap` past `lastTime` (then `restarted` is called).
    private func decodeFrames(into decoded: Frame, wantedTime: () -> Double?, lastTime: () -> Double?,
                              _ frame: (Double) throws -> Bool, restarted: () -> Void) throws {
        let packet = try Packet()
        var inputDone = false
        var lastSeekTarget = -Double.infinity
        while true {
            let output: Decoder.Output
            do {
                output = try decoder.receive(into: decoded)
            } catch let error as FFmpegError where error.isDamagedData {
                damagedPackets += 1
                continue
            }
            switch output {
            case .frame:
                let time = frameTime(decoded.pointer)
                let goOn = try frame(time)
                decoded.unref()
                if !goOn { return }
            case .finished:
                return
            case .needsInput:
                if inputDone { return }
                if let wanted = wantedTime(), let last = lastTime(), wanted - last > seekGap, wanted > lastSeekTarget {
                    lastSeekTarget = wanted
                    seek(to: wanted)
                    restarted()
                }
                if try demuxer.read(into: packet) {
                    defer { packet.unref() }
                    guard packet.streamIndex == streamIndex else { continue }
                    do { _ = try decoder.send(packet) } catch let error as FFmpegError where error.isDamagedData {
                        damagedPackets += 1
                    }
                } else {
                    _ = try decoder.send(nil)
                    inputDone = true
                }
            }
        }
    }

    private func frameTime(_ frame: UnsafeMutablePointer<AVFrame>) -> Double {
        var stamp = frame.pointee.best_effort_timestamp
        if stamp == swift_AV_NOPTS_VALUE { stamp = frame.pointee.pts }
        if stamp == swift_AV_NOPTS_VALUE { return 0 }
        return Double(stamp) * av_q2d(timeBase) - origin
    }

    private struct ScalerKey: Hashable {
        var sourceWidth: Int32, sourceHeight: Int32, sourceFormat: Int32, fullRange: Bool, bt709: Bool
        var width: Int, height: Int
    }

    /// The frame as RGBA at the requested size. HD video whose colour space is BT.709 (or
    /// unspecified, which players take as BT.709 for HD) is converted with BT.709's matrix.
    private func scale(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) throws -> RGBAImage {
        let fullRange = frame.pointee.color_range == AVCOL_RANGE_JPEG
        let space = frame.pointee.colorspace
        let bt709 = !fullRange && (space == AVCOL_SPC_BT709 || (space == AVCOL_SPC_UNSPECIFIED && frame.pointee.height > 576))
        let key = ScalerKey(sourceWidth: frame.pointee.width, sourceHeight: frame.pointee.height, sourceFormat: frame.pointee.format,
                            fullRange: fullRange, bt709: bt709, width: width, height: height)
        let scaler: Scaler
        if let cached = scalers[key] {
            scaler = cached
        } else {
            let shrinking = width < Int(frame.pointee.width) && height < Int(frame.pointee.height)
            scaler = try Scaler(sourceWidth: key.sourceWidth, sourceHeight: key.sourceHeight,
                                sourceFormat: AVPixelFormat(rawValue: key.sourceFormat), fullRange: fullRange,
                                targetWidth: Int32(width), targetHeight: Int32(height), targetFormat: AV_PIX_FMT_RGBA,
                                flags: (shrinking ? ImageConverter.Filter.area : .bicubic).flags)
            if bt709 { scaler.setColorspace709() }
            scalers[key] = scaler
        }
        var failure: Error?
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 4) { buffer, count in
            do {
                try scaler.scale(frame, into: buffer.baseAddress.unsafelyUnwrapped, stride: Int32(width * 4))
            } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            count = width * height * 4
        }
        if let failure { throw failure }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }
}
