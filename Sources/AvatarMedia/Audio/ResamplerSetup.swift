import CFFmpeg

/// A libswresample context from a decoded frame's format, rate and channel layout to planar
/// float at `rate` in `layout` (a frame without a channel order gets the default layout of
/// its channel count). The caller owns the context and frees it with `swr_free`.
enum ResamplerSetup {
    static func make(from frame: UnsafeMutablePointer<AVFrame>, to layout: inout AVChannelLayout, rate: Int,
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
