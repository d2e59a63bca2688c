import CFFmpeg

/// One libavfilter filter with its options, set through AVOptions (no filtergraph-string
/// escaping, so any text or path is safe as an option value).
public struct FilterSpec: Sendable {
    public var name: String
    public var options: [(String, String)]

    public init(_ name: String, _ options: [(String, String)] = []) {
        self.name = name
        self.options = options
    }
}

/// A video filter graph between a buffer source and a buffersink: a linear chain of
/// filters set through AVOptions, or a filtergraph description (for graphs with branches).
final class VideoFilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>

    /// buffer source → the filters → format → buffersink.
    convenience init(width: Int32, height: Int32, pixelFormat: AVPixelFormat, timeBase: AVRational,
                     chain: [FilterSpec], outputFormat: AVPixelFormat) throws {
        try self.init(width: width, height: height, pixelFormat: pixelFormat, timeBase: timeBase) { graph, source, sink in
            let formatName = String(optionalCString: av_get_pix_fmt_name(outputFormat)) ?? "rgba"
            var previous = source
            for (index, spec) in (chain + [FilterSpec("format", [("pix_fmts", formatName)])]).enumerated() {
                let filter = try VideoFilterGraph.create(graph, spec, label: "f\(index)")
                try ffcheck(avfilter_link(previous, 0, filter, 0), "avfilter_link(\(spec.name))")
                previous = filter
            }
            try ffcheck(avfilter_link(previous, 0, sink, 0), "avfilter_link(buffersink)")
        }
    }

    /// buffer source → `description` → buffersink. The description is parsed as it is, so
    /// it must not carry text or paths that would need escaping (use `chain` for those).
    convenience init(width: Int32, height: Int32, pixelFormat: AVPixelFormat, timeBase: AVRational, description: String) throws {
        try self.init(width: width, height: height, pixelFormat: pixelFormat, timeBase: timeBase) { graph, source, sink in
            try VideoFilterGraph.parse(graph, description: description, source: source, sink: sink)
        }
    }

    private init(width: Int32, height: Int32, pixelFormat: AVPixelFormat, timeBase: AVRational,
                 build: (UnsafeMutablePointer<AVFilterGraph>, UnsafeMutablePointer<AVFilterContext>,
                         UnsafeMutablePointer<AVFilterContext>) throws -> Void) throws {
        guard let graph = avfilter_graph_alloc() else {
            throw FFmpegError(call: "avfilter_graph_alloc", code: swift_AVERROR(ENOMEM))
        }
        do {
            let arguments = "video_size=\(width)x\(height):pix_fmt=\(pixelFormat.rawValue):"
                + "time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=1/1"
            source = try VideoFilterGraph.create(graph, "buffer", label: "in", arguments: arguments)
            sink = try VideoFilterGraph.create(graph, "buffersink", label: "out", arguments: nil)
            try build(graph, source, sink)
            try ffcheck(avfilter_graph_config(graph, nil), "avfilter_graph_config", context: graph)
        } catch {
            // deinit does not run for an object that never finished initialising.
            var owned: UnsafeMutablePointer<AVFilterGraph>? = graph
            avfilter_graph_free(&owned)
            throw error
        }
        self.graph = graph
    }

    deinit { avfilter_graph_free(&graph) }

    func push(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        try ffcheck(av_buffersrc_add_frame_flags(source, frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF)), "av_buffersrc_add_frame")
    }

    /// The next filtered frame, or nil when the graph needs more input or is finished.
    func pull(into frame: Frame) throws -> Bool {
        let result = av_buffersink_get_frame(sink, frame.pointer)
        if result == swift_AVERROR_EAGAIN || result == swift_AVERROR_EOF { return false }
        try ffcheck(result, "av_buffersink_get_frame")
        return true
    }

    /// Parses `description` between the source ("in") and the sink ("out").
    private static func parse(_ graph: UnsafeMutablePointer<AVFilterGraph>, description: String,
                              source: UnsafeMutablePointer<AVFilterContext>, sink: UnsafeMutablePointer<AVFilterContext>) throws {
        // The parser takes the graph's open ends and hands back what it left unconnected
        // (nothing, on success); whatever comes back is freed here.
        var outputs = avfilter_inout_alloc()
        var inputs = avfilter_inout_alloc()
        defer {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
        }
        guard let sourceEnd = outputs, let sinkEnd = inputs else {
            throw FFmpegError(call: "avfilter_inout_alloc", code: swift_AVERROR(ENOMEM))
        }
        (sourceEnd.pointee.name, sourceEnd.pointee.filter_ctx, sourceEnd.pointee.pad_idx, sourceEnd.pointee.next) = (av_strdup("in"), source, 0, nil)
        (sinkEnd.pointee.name, sinkEnd.pointee.filter_ctx, sinkEnd.pointee.pad_idx, sinkEnd.pointee.next) = (av_strdup("out"), sink, 0, nil)
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

    private static func create(_ graph: UnsafeMutablePointer<AVFilterGraph>, _ spec: FilterSpec,
                               label: String) throws -> UnsafeMutablePointer<AVFilterContext> {
        guard let filter = avfilter_get_by_name(spec.name) else {
            throw FFmpegError(call: "avfilter_get_by_name(\(spec.name))", code: swift_AVERROR(ENOENT))
        }
        guard let context = avfilter_graph_alloc_filter(graph, filter, label) else {
            throw FFmpegError(call: "avfilter_graph_alloc_filter(\(spec.name))", code: swift_AVERROR(ENOMEM))
        }
        for (key, value) in spec.options {
            try ffcheck(av_opt_set(context, key, value, AV_OPT_SEARCH_CHILDREN), "av_opt_set(\(spec.name).\(key)=\(value))",
                        context: context)
        }
        try ffcheck(avfilter_init_str(context, nil), "avfilter_init_str(\(spec.name))", context: context)
        return context
    }
}

/// Runs a filter chain over one still image (drawing boxes and text, blurs…).
public enum ImageFilter {
    public static func apply(_ chain: [FilterSpec], to image: RGBAImage) throws -> RGBAImage {
        let graph = try VideoFilterGraph(width: Int32(image.width), height: Int32(image.height), pixelFormat: AV_PIX_FMT_RGBA,
                                         timeBase: AVRational(num: 1, den: 25), chain: chain, outputFormat: AV_PIX_FMT_RGBA)
        let input = try RGBAFrame.make(from: image)
        try graph.push(input.pointer)
        try graph.push(nil)
        let output = try Frame()
        guard try graph.pull(into: output) else {
            throw FFmpegError(call: "av_buffersink_get_frame", code: swift_AVERROR_EOF)
        }
        return RGBAFrame.image(from: output.pointer)
    }
}

/// Copies between RGBAImage and RGBA AVFrames (whose rows may be padded).
enum RGBAFrame {
    static func make(from image: RGBAImage) throws -> Frame {
        let frame = try Frame()
        frame.pointer.pointee.width = Int32(image.width)
        frame.pointer.pointee.height = Int32(image.height)
        frame.pointer.pointee.format = AV_PIX_FMT_RGBA.rawValue
        frame.pointer.pointee.pts = 0
        try ffcheck(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer")
        let stride = Int(frame.pointer.pointee.linesize.0)
        let rowBytes = image.width * 4
        image.pixels.withUnsafeBufferPointer { source in
            guard let target = frame.pointer.pointee.data.0, let base = source.baseAddress else { return }
            for row in 0..<image.height {
                (target + row * stride).update(from: base + row * rowBytes, count: rowBytes)
            }
        }
        return frame
    }

    static func image(from frame: UnsafeMutablePointer<AVFrame>) -> RGBAImage {
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        let stride = Int(frame.pointee.linesize.0)
        let rowBytes = width * 4
        let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 4) { buffer, count in
            if let source = frame.pointee.data.0, let target = buffer.baseAddress {
                for row in 0..<height {
                    (target + row * rowBytes).initialize(from: source + row * stride, count: rowBytes)
                }
            }
            count = width * height * 4
        }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }
}
