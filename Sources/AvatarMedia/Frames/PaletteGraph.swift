import CFFmpeg

/// The filter graph that turns a clip into 8-bit palette frames for a GIF: the frames are
/// split, one branch builds one palette for the whole clip (palettegen), the other is mapped
/// onto it (paletteuse, ordered dithering, only the changed rectangle redrawn). palettegen
/// emits its palette at the end of its input, so the frames come out after `push(nil)`.
final class PaletteGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>

    init(width: Int, height: Int, pixelFormat: AVPixelFormat, timeBase: AVRational, colors: Int) throws {
        guard let graph = avfilter_graph_alloc() else {
            throw FFmpegError(call: "avfilter_graph_alloc", code: swift_AVERROR(ENOMEM))
        }
        self.graph = graph
        let arguments = "video_size=\(width)x\(height):pix_fmt=\(pixelFormat.rawValue):"
            + "time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=1/1"
        source = try PaletteGraph.create(graph, "buffer", label: "in", arguments: arguments)
        sink = try PaletteGraph.create(graph, "buffersink", label: "out", arguments: nil)
        // Only numbers go into this description, so it needs no escaping.
        let count = min(256, max(2, colors))
        let description = "split[frames][stats];[stats]palettegen=max_colors=\(count):stats_mode=diff[palette];"
            + "[frames][palette]paletteuse=dither=bayer:bayer_scale=4:diff_mode=rectangle,format=pal8"
        try PaletteGraph.link(graph, description: description, source: source, sink: sink)
        try ffcheck(avfilter_graph_config(graph, nil), "avfilter_graph_config", context: graph)
    }

    deinit { avfilter_graph_free(&graph) }

    /// Adds a frame (the graph takes its own reference); nil ends the input.
    func push(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        try ffcheck(av_buffersrc_add_frame_flags(source, frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)), "av_buffersrc_add_frame")
    }

    /// The next palette frame; false when the graph needs more input or has finished.
    func pull(into frame: Frame) throws -> Bool {
        let result = av_buffersink_get_frame(sink, frame.pointer)
        if result == swift_AVERROR_EAGAIN || result == swift_AVERROR_EOF { return false }
        try ffcheck(result, "av_buffersink_get_frame")
        return true
    }

    /// Parses `description` between the source and the sink.
    private static func link(_ graph: UnsafeMutablePointer<AVFilterGraph>, description: String,
                             source: UnsafeMutablePointer<AVFilterContext>, sink: UnsafeMutablePointer<AVFilterContext>) throws {
        // The graph's open ends as the parser sees them: "in" is the source's output, "out"
        // the sink's input. The parser takes both lists and hands back what it left
        // unconnected (nothing, on success); whatever comes back is freed here.
        var outputs = avfilter_inout_alloc()
        var inputs = avfilter_inout_alloc()
        defer {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
        }
        guard let sourceEnd = outputs, let sinkEnd = inputs else {
            throw FFmpegError(call: "avfilter_inout_alloc", code: swift_AVERROR(ENOMEM))
        }
        sourceEnd.pointee.name = av_strdup("in")
        sourceEnd.pointee.filter_ctx = source
        sourceEnd.pointee.pad_idx = 0
        sourceEnd.pointee.next = nil
        sinkEnd.pointee.name = av_strdup("out")
        sinkEnd.pointee.filter_ctx = sink
        sinkEnd.pointee.pad_idx = 0
        sinkEnd.pointee.next = nil
        try ffcheck(avfilter_graph_parse_ptr(graph, "[in]" + description + "[out]", &inputs, &outputs, nil),
                    "avfilter_graph_parse_ptr", context: graph)
    }

    private static func create(_ graph: UnsafeMutablePointer<AVFilterGraph>, _ name: String, label: String,
                               arguments: String?) throws -> UnsafeMutablePointer<AVFilterContext> {
        guard let filter = avfilter_get_by_name(name) else {
            throw FFmpegError(call: "avfilter_get_by_name(\(name))", code: swift_AVERROR(ENOENT))
        }
        var context: UnsafeMutablePointer<AVFilterContext>?
        try ffcheck(avfilter_graph_create_filter(&context, filter, label, arguments, nil, graph),
                    "avfilter_graph_create_filter(\(name))")
        guard let context else { throw FFmpegError(call: "avfilter_graph_create_filter(\(name))", code: swift_AVERROR(ENOMEM)) }
        return context
    }
}
