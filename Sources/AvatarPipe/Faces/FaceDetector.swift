import Dispatch
import Foundation

/// A width and a height in pixels.
public struct PixelSize: Sendable, Equatable, Codable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public static let zero = PixelSize(width: 0, height: 0)
}

/// Viola–Jones detection with a Haar cascade, with the semantics of OpenCV 4's
/// `CascadeClassifier::detectMultiScale` for HAAR cascades: the image is resized for each
/// scale while the window keeps the cascade's size, windows are normalised by their standard
/// deviation, and the hits are grouped like `groupRectangles` (eps 0.2). Given the same gray
/// image and parameters it finds the same boxes as OpenCV.
public struct FaceDetector: Sendable {
    public struct Options: Sendable, Equatable {
        /// How much the window grows from one scale to the next (> 1).
        public var scaleFactor: Double
        /// A box needs more than this many hits around it to be kept; 0 keeps every raw hit.
        public var minNeighbors: Int
        /// Smallest and largest box to look for; `maxSize` nil means the image's size.
        public var minSize: PixelSize
        public var maxSize: PixelSize?
        /// Scan the scales on all cores.
        public var parallel: Bool

        public init(scaleFactor: Double = 1.1, minNeighbors: Int = 3, minSize: PixelSize = .zero,
                    maxSize: PixelSize? = nil, parallel: Bool = true) {
            self.scaleFactor = scaleFactor
            self.minNeighbors = minNeighbors
            self.minSize = minSize
            self.maxSize = maxSize
            self.parallel = parallel
        }
    }

    /// A box in image pixels and how many raw hits were merged into it.
    public struct Detection: Sendable, Equatable {
        public var rect: PixelRect
        public var neighbors: Int

        public init(rect: PixelRect, neighbors: Int) {
            self.rect = rect
            self.neighbors = neighbors
        }
    }

    public let cascade: HaarCascade

    public init(cascade: HaarCascade) {
        self.cascade = cascade
    }

    /// The grouped detections, in OpenCV's order (by first hit, smallest scale first).
    public func detect(in image: GrayImage, options: Options = Options()) -> [Detection] {
        precondition(options.scaleFactor > 1, "scaleFactor must be above 1")
        let hits = rawHits(in: image, options: options)
        let bounds = PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        return RectangleGrouping.group(hits, threshold: options.minNeighbors, eps: 0.2).compactMap { group in
            let clipped = group.rect.intersection(bounds)
            return clipped.area > 0 ? Detection(rect: clipped, neighbors: group.hits) : nil
        }
    }

    /// Every window the whole cascade accepts, before grouping, in image pixels.
    func rawHits(in image: GrayImage, options: Options) -> [PixelRect] {
        let levels = PyramidLevel.levels(image: image, cascade: cascade, options: options)
        guard !levels.isEmpty else { return [] }
        let results = LevelResults(count: levels.count)
        let cascade = self.cascade
        let scan: @Sendable (Int) -> Void = { i in
            results.store(i, LevelScan(cascade, level: levels[i]).run(on: image))
        }
        if options.parallel && levels.count > 1 && ProcessInfo.processInfo.activeProcessorCount > 1 {
            // Levels come largest first; handing them out in that order balances the cores.
            DispatchQueue.concurrentPerform(iterations: levels.count, execute: scan)
        } else {
            for i in levels.indices { scan(i) }
        }
        return results.all
    }
}

/// One scale of the pyramid: the image resized to `width`×`height`, scanned with the
/// cascade's own window every `step` pixels; hits map back to the image by `scale`.
struct PyramidLevel: Sendable {
    var scale: Float
    var width: Int
    var height: Int
    var step: Int
    /// The window's size on the original image.
    var windowWidth: Int
    var windowHeight: Int

    /// The scales OpenCV would scan: factor 1, scaleFactor, scaleFactor²… while the window
    /// fits the image and maxSize, skipping those below minSize. Sizes use OpenCV's float
    /// arithmetic and rounding (half to even), so each level has exactly OpenCV's pixels.
    static func levels(image: GrayImage, cascade: HaarCascade, options: FaceDetector.Options) -> [PyramidLevel] {
        let maxSize = options.maxSize.flatMap { $0.width > 0 && $0.height > 0 ? $0 : nil }
            ?? PixelSize(width: image.width, height: image.height)
        var out: [PyramidLevel] = []
        var factor = 1.0
        while true {
            defer { factor *= options.scaleFactor }
            let window = (Int((Double(cascade.windowWidth) * factor).rounded(.toNearestOrEven)),
                          Int((Double(cascade.windowHeight) * factor).rounded(.toNearestOrEven)))
            if window.0 > maxSize.width || window.1 > maxSize.height || window.0 > image.width || window.1 > image.height {
                break
            }
            if window.0 < options.minSize.width || window.1 < options.minSize.height { continue }
            let scale = Float(factor)
            out.append(PyramidLevel(
                scale: scale,
                width: Int((Float(image.width) / scale).rounded(.toNearestOrEven)),
                height: Int((Float(image.height) / scale).rounded(.toNearestOrEven)),
                step: scale >= 2 ? 1 : 2,
                windowWidth: Int((Float(cascade.windowWidth) * scale).rounded(.toNearestOrEven)),
                windowHeight: Int((Float(cascade.windowHeight) * scale).rounded(.toNearestOrEven))))
        }
        return out
    }
}

/// The hits of each level, filled in by concurrent scans, read back in level order so the
/// result does not depend on which core finished first.
private final class LevelResults: @unchecked Sendable {
    private let lock = NSLock()
    private var levels: [[PixelRect]]

    init(count: Int) { levels = Array(repeating: [], count: count) }

    func store(_ index: Int, _ hits: [PixelRect]) {
        lock.lock()
        levels[index] = hits
        lock.unlock()
    }

    var all: [PixelRect] {
        lock.lock()
        defer { lock.unlock() }
        return levels.flatMap { $0 }
    }
}
