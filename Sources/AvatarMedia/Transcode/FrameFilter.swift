import CFFmpeg

/// A filter chain run over every decoded frame before the renditions get it (captions burned
/// in, for instance): once per frame at the source's size, so each rung scales the result
/// and nothing is drawn twice. One frame in, one frame out, the timestamp kept.
final class FrameFilter {
    private let chain: [FilterSpec]
    private let timeBase: AVRational
    private let path: String
    private var graph: VideoFilterGraph?
    private var shape: (width: Int32, height: Int32, format: Int32)?

    init(chain: [FilterSpec], timeBase: AVRational, path: String) {
        self.chain = chain
        self.timeBase = timeBase
        self.path = path
    }

    func apply(_ frame: Frame) throws -> Frame {
        let input = frame.pointer.pointee
        let shape = (width: input.width, height: input.height, format: input.format)
        if graph == nil || self.shape.map({ $0 != shape }) ?? true {
            graph = try VideoFilterGraph(width: input.width, height: input.height, pixelFormat: AVPixelFormat(rawValue: input.format),
                                         timeBase: timeBase, chain: chain, outputFormat: AV_PIX_FMT_YUV420P)
            self.shape = shape
        }
        let graph = graph.unsafelyUnwrapped
        try graph.push(frame.pointer)
        let output = try Frame()
        guard try graph.pull(into: output) else {
            throw MediaError(.unsupported, path: path, "the video filter \(chain.map(\.name).joined(separator: ",")) held a frame back")
        }
        return output
    }
}
