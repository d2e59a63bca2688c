import CFFmpeg

/// Converts decoded audio frames of any sample format, rate and layout to planar float at
/// one rate and channel count (libswresample), into buffers it owns and reuses.
final class AudioFrameConverter {
    let path: String
    let sampleRate: Int
    let channels: Int
    private var layout = AVChannelLayout()
    private var context: OpaquePointer?
    private var input: (format: Int32, rate: Int32, channels: Int32) = (-1, 0, 0)
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var capacity = 0

    /// The default layout of `channels`.
    convenience init(path: String, sampleRate: Int, channels: Int) {
        var layout = AVChannelLayout()
        av_channel_layout_default(&layout, Int32(channels))
        self.init(path: path, sampleRate: sampleRate, layout: layout)
        av_channel_layout_uninit(&layout)
    }

    /// A copy of `layout` (a 5.1 source kept as 5.1 keeps its channel order).
    init(path: String, sampleRate: Int, layout: AVChannelLayout) {
        self.path = path
        self.sampleRate = sampleRate
        var source = layout
        if av_channel_layout_copy(&self.layout, &source) < 0 { av_channel_layout_default(&self.layout, layout.nb_channels) }
        channels = Int(self.layout.nb_channels)
    }

    deinit {
        swr_free(&context)
        av_channel_layout_uninit(&layout)
        buffers.forEach { $0.deallocate() }
    }

    /// Converts one frame; `body` gets the samples produced (valid only during the call).
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, _ body: (AudioBlock) throws -> Void) throws {
        let context = try self.context(for: frame)
        reserve(Int(swr_get_out_samples(context, frame.pointee.nb_samples)))
        let source = UnsafeMutableRawPointer(frame.pointee.extended_data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        try run(context, source: source, count: frame.pointee.nb_samples, body)
    }

    /// Hands out what the resampler still holds at the end of the stream.
    func flush(_ body: (AudioBlock) throws -> Void) throws {
        guard let context else { return }
        reserve(4096)
        while try run(context, source: nil, count: 0, body) > 0 {}
    }

    @discardableResult
    private func run(_ context: OpaquePointer, source: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32,
                     _ body: (AudioBlock) throws -> Void) throws -> Int {
        let produced = try buffers.withUnsafeBufferPointer { out -> Int32 in
            try out.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self) { planes in
                try ffcheck(swr_convert(context, UnsafeMutablePointer(mutating: planes.baseAddress), Int32(capacity), source, count),
                            "swr_convert", path: path)
            }
        }
        if produced > 0 {
            try body(AudioBlock(frames: Int(produced), channels: buffers.map { UnsafeBufferPointer(start: $0, count: Int(produced)) }))
        }
        return Int(produced)
    }

    /// The resampler, set up from the first frame; a stream that changes shape later is refused.
    private func context(for frame: UnsafeMutablePointer<AVFrame>) throws -> OpaquePointer {
        let shape = (frame.pointee.format, frame.pointee.sample_rate, frame.pointee.ch_layout.nb_channels)
        if let context {
            guard shape == input else {
                throw MediaError(.unsupported, path: path, "changes its audio format, rate or channel count mid-stream")
            }
            return context
        }
        let created = try Self.makeResampler(from: frame, to: &layout, rate: sampleRate, path: path)
        context = created
        input = shape
        return created
    }

    private func reserve(_ frames: Int) {
        guard frames > capacity || buffers.isEmpty else { return }
        buffers.forEach { $0.deallocate() }
        capacity = max(frames, 4096)
        buffers = (0..<channels).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: capacity) }
    }

    /// A libswresample context from a decoded frame's format, rate and channel layout to
    /// planar float at `rate` in `layout` (a frame without a channel order gets the default
    /// layout of its channel count), freed here if it cannot be set up.
    private static func makeResampler(from frame: UnsafeMutablePointer<AVFrame>, to layout: inout AVChannelLayout, rate: Int,
                                      path: String) throws -> OpaquePointer {
        var inputLayout = AVChannelLayout()
        defer { av_channel_layout_uninit(&inputLayout) }
        if frame.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&inputLayout, frame.pointee.ch_layout.nb_channels)
        } else {
            try ffcheck(av_channel_layout_copy(&inputLayout, &frame.pointee.ch_layout), "av_channel_layout_copy", path: path)
        }
        var created: OpaquePointer?
        try ffcheck(swr_alloc_set_opts2(&created, &layout, AV_SAMPLE_FMT_FLTP, Int32(rate),
                                        &inputLayout, AVSampleFormat(rawValue: frame.pointee.format), frame.pointee.sample_rate,
                                        0, nil), "swr_alloc_set_opts2", path: path)
        guard let created else { throw FFmpegError(call: "swr_alloc_set_opts2", code: swift_AVERROR(ENOMEM), path: path) }
        do {
            try ffcheck(swr_init(created), "swr_init", path: path, context: UnsafeRawPointer(created))
        } catch {
            var optional: OpaquePointer? = created
            swr_free(&optional)
            throw error
        }
        return created
    }
}
