import CFFmpeg

/// A looping animated picture written from RGBA frames: an animated WebP (libwebp_anim) or a
/// GIF (a palette computed over all frames by libavfilter's palettegen, applied with
/// paletteuse). Every frame shows for the same time. The file appears at `path` only when
/// `finish()` succeeds.
public final class AnimatedImageWriter {
    public enum Format: String, Sendable, Codable, CaseIterable {
        case webp, gif

        public var fileExtension: String { rawValue }
    }

    public struct Settings: Sendable {
        public var format: Format
        public var width: Int
        public var height: Int
        /// Seconds each frame shows.
        public var frameDuration: Double
        /// WebP: libwebp's lossy quality, 0–100.
        public var quality = 70
        /// WebP: libwebp's effort, 0 (fast) to 6 (smallest). 6 takes ten times as long as 4
        /// for a few per cent fewer bytes.
        public var compressionLevel = 4
        /// GIF: the palette's size, 2–256.
        public var colors = 256

        public init(format: Format, width: Int, height: Int, frameDuration: Double) {
            self.format = format
            self.width = width
            self.height = height
            self.frameDuration = frameDuration
        }
    }

    public let path: String
    public let settings: Settings
    public private(set) var framesWritten = 0
    private let temporary: String
    private let muxer: Muxer
    private let encoder: VideoEncoder
    private let stream: Int32
    private let scaler: Scaler
    private let palette: VideoFilterGraph?
    private let converted: Frame
    private var finished = false

    public init(path: String, settings: Settings) throws {
        guard settings.width > 0, settings.height > 0, settings.frameDuration > 0, settings.frameDuration.isFinite else {
            throw MediaError(.corrupt, path: path, "cannot animate \(settings.width)×\(settings.height) frames of \(settings.frameDuration) s")
        }
        self.path = path
        self.settings = settings
        FFmpegLog.install()
        // One tick of the time base is one frame, so the last frame shows as long as the
        // others (libwebp_anim gives the last frame one tick).
        let tick = av_d2q(settings.frameDuration, 100_000)
        temporary = AtomicFile.temporaryPath(for: path)
        // deinit does not run for an init that throws: a failure here removes the file itself.
        do {
            let pixelFormat: AVPixelFormat = settings.format == .webp ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_RGB24
            // WebP's YUV is BT.601 limited range, swscale's default.
            scaler = try Scaler(sourceWidth: Int32(settings.width), sourceHeight: Int32(settings.height), sourceFormat: AV_PIX_FMT_RGBA,
                                fullRange: false, targetWidth: Int32(settings.width), targetHeight: Int32(settings.height),
                                targetFormat: pixelFormat, flags: ImageConverter.Filter.bicubic.flags)
            converted = try Frame()
            converted.pointer.pointee.width = Int32(settings.width)
            converted.pointer.pointee.height = Int32(settings.height)
            converted.pointer.pointee.format = pixelFormat.rawValue
            try ffcheck(av_frame_get_buffer(converted.pointer, 0), "av_frame_get_buffer", path: path)
            let muxer = try Muxer(path: temporary, format: settings.format.rawValue)
            self.muxer = muxer
            switch settings.format {
            case .webp:
                encoder = try Self.encoder("libwebp_anim", settings, pixelFormat: pixelFormat, tick: tick,
                                           options: ["quality": "\(settings.quality)", "lossless": "0",
                                                     "compression_level": "\(settings.compressionLevel)"],
                                           globalHeader: muxer.wantsGlobalHeader, path: path)
                palette = nil
            case .gif:
                encoder = try Self.encoder("gif", settings, pixelFormat: AV_PIX_FMT_PAL8, tick: tick, options: [:],
                                           globalHeader: muxer.wantsGlobalHeader, path: path)
                palette = try PaletteGraph.make(width: settings.width, height: settings.height, pixelFormat: pixelFormat,
                                                timeBase: tick, colors: settings.colors)
            }
            stream = try muxer.addStream(for: encoder.codecContext)
            // Both muxers write the loop count: 0 is forever (the WebP muxer's default is once).
            try muxer.writeHeader(options: ["loop": "0"])
        } catch {
            AtomicFile.discard(temporary)
            throw error
        }
    }

    deinit {
        if !finished { AtomicFile.discard(temporary) }
    }

    /// An encoder whose time base is one frame (`tick` seconds), for pictures rather than movies.
    private static func encoder(_ codec: String, _ settings: Settings, pixelFormat: AVPixelFormat, tick: AVRational,
                                options: [String: String], globalHeader: Bool, path: String) throws -> VideoEncoder {
        var encoder = VideoEncoder.Settings(codecName: codec, width: settings.width, height: settings.height, frameRate: 1,
                                            pixelFormat: pixelFormat, options: options, threads: 1)
        encoder.exactFrameRate = av_inv_q(tick)
        encoder.timeBase = tick
        encoder.tagsBT709 = false
        return try VideoEncoder(encoder, globalHeader: globalHeader, path: path)
    }

    /// Adds the next frame; it must have the writer's size.
    public func write(_ image: RGBAImage) throws {
        guard image.width == settings.width, image.height == settings.height else {
            throw MediaError(.corrupt, path: path, "a \(image.width)×\(image.height) frame in a \(settings.width)×\(settings.height) animation")
        }
        try ffcheck(av_frame_make_writable(converted.pointer), "av_frame_make_writable", path: path)
        try image.pixels.withUnsafeBufferPointer { source in
            try scaler.scale(planes: [UnsafePointer(source.baseAddress)], strides: [Int32(image.width * 4)],
                             sourceHeight: Int32(image.height), into: converted.pointer)
        }
        converted.pointer.pointee.pts = Int64(framesWritten)
        framesWritten += 1
        if let palette {
            // paletteuse can only start once palettegen has seen every frame: all come out in finish().
            try palette.push(converted.pointer)
        } else {
            try encode(converted.pointer)
        }
    }

    /// Flushes the encoder, writes the trailer and moves the file into place.
    public func finish() throws {
        guard !finished else { return }
        guard framesWritten > 0 else { throw MediaError(.corrupt, path: path, "an animation needs at least one frame") }
        if let palette {
            try palette.push(nil)
            let output = try Frame()
            while try palette.pull(into: output) {
                try encode(output.pointer)
                output.unref()
            }
        }
        try encode(nil)
        try muxer.finish()
        try AtomicFile.commit(temporary, to: path)
        finished = true
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        let timeBase = encoder.codecContext.pointee.time_base
        try encoder.encode(frame) { packet in
            // The GIF muxer takes a frame's delay from its duration.
            if packet.pointer.pointee.duration <= 0 { packet.pointer.pointee.duration = 1 }
            try muxer.write(packet, stream: stream, timeBase: timeBase)
        }
    }
}
