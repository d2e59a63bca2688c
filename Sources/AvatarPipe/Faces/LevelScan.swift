/// Scans one pyramid level: resizes the image, builds its integral images, and runs the
/// cascade on every window. Feature rectangles are turned into offsets for this level's row
/// stride once, so that a window costs only loads and adds from its corner.
struct LevelScan {
    /// A tree node with its feature compiled: three rectangles as four corner offsets each,
    /// their weights, the split, and the leaf values when the children are leaves.
    struct Node {
        var a0: Int32, b0: Int32, c0: Int32, d0: Int32
        var a1: Int32, b1: Int32, c1: Int32, d1: Int32
        var a2: Int32, b2: Int32, c2: Int32, d2: Int32
        var w0: Float, w1: Float, w2: Float
        var threshold: Float
        var left: Int32, right: Int32
        var leftLeaf: Float, rightLeaf: Float
    }

    struct Weak {
        var firstNode: Int32
        var firstLeaf: Int32
    }

    struct Stage {
        var first: Int32
        var end: Int32
        var threshold: Float
    }

    let cascade: HaarCascade
    let level: PyramidLevel
    let stride: Int
    let nodes: [Node]
    let weaks: [Weak]
    let stages: [Stage]
    /// Corner offsets of the window shrunk by one pixel, over which the variance is taken.
    let norm: (Int, Int, Int, Int)
    let normArea: Double

    init(_ cascade: HaarCascade, level: PyramidLevel) {
        self.cascade = cascade
        self.level = level
        let stride = level.width + 1
        self.stride = stride
        var nodes: [Node] = []
        nodes.reserveCapacity(cascade.nodes.count)
        for (w, weak) in cascade.weakClassifiers.enumerated() {
            let end = w + 1 < cascade.weakClassifiers.count ? cascade.weakClassifiers[w + 1].firstNode : cascade.nodes.count
            for node in cascade.nodes[weak.firstNode..<end] {
                nodes.append(LevelScan.compile(node, features: cascade.features, leaves: cascade.leaves,
                                               firstLeaf: weak.firstLeaf, stride: stride))
            }
        }
        self.nodes = nodes
        weaks = cascade.weakClassifiers.map { Weak(firstNode: Int32($0.firstNode), firstLeaf: Int32($0.firstLeaf)) }
        stages = cascade.stages.map {
            Stage(first: Int32($0.weakClassifiers.lowerBound), end: Int32($0.weakClassifiers.upperBound), threshold: $0.threshold)
        }
        let w = cascade.windowWidth - 2, h = cascade.windowHeight - 2
        norm = (stride + 1, stride + 1 + w, (1 + h) * stride + 1, (1 + h) * stride + 1 + w)
        normArea = Double(w * h)
    }

    private static func compile(_ node: HaarCascade.Node, features: [[HaarCascade.FeatureRect]], leaves: [Float],
                                firstLeaf: Int, stride: Int) -> Node {
        let rects = features[node.feature]
        /// The four integral-image corners of rectangle i (all zero when the feature has fewer).
        func corners(_ i: Int) -> (Int32, Int32, Int32, Int32, Float) {
            guard i < rects.count else { return (0, 0, 0, 0, 0) }
            let r = rects[i]
            let top = r.y * stride + r.x, bottom = (r.y + r.height) * stride + r.x
            return (Int32(top), Int32(top + r.width), Int32(bottom), Int32(bottom + r.width), r.weight)
        }
        let (a0, b0, c0, d0, w0) = corners(0), (a1, b1, c1, d1, w1) = corners(1), (a2, b2, c2, d2, w2) = corners(2)
        return Node(a0: a0, b0: b0, c0: c0, d0: d0, a1: a1, b1: b1, c1: c1, d1: d1, a2: a2, b2: b2, c2: c2, d2: d2,
                    w0: w0, w1: w1, w2: w2, threshold: node.threshold,
                    left: Int32(node.left), right: Int32(node.right),
                    leftLeaf: node.left <= 0 ? leaves[firstLeaf - node.left] : 0,
                    rightLeaf: node.right <= 0 ? leaves[firstLeaf - node.right] : 0)
    }

    /// The windows the whole cascade accepts, in the original image's pixels.
    func run(on image: GrayImage) -> [PixelRect] {
        let columns = level.width + 1 - cascade.windowWidth
        let rows = level.height + 1 - cascade.windowHeight
        guard columns > 0, rows > 0 else { return [] }
        let (sums, squares) = integralImages(image.resizedBilinear(width: level.width, height: level.height))
        return sums.withUnsafeBufferPointer { p in
            squares.withUnsafeBufferPointer { q in
                withModel { model in scan(rows: rows, columns: columns, sums: p, squares: q, model: model) }
            }
        }
    }

    /// Slides the window over the level, `step` pixels at a time, as OpenCV does.
    private func scan(rows: Int, columns: Int, sums: UnsafeBufferPointer<Int32>, squares: UnsafeBufferPointer<UInt32>,
                      model: Model) -> [PixelRect] {
        guard let p = sums.baseAddress, let q = squares.baseAddress else { return [] }
        var hits: [PixelRect] = []
        let stumps = cascade.isStumpBased
        for y in Swift.stride(from: 0, to: rows, by: level.step) {
            var x = 0
            while x < columns {
                let offset = y * stride + x
                let result = stumps ? classifyStumps(p + offset, q + offset, model) : classifyTrees(p + offset, q + offset, model)
                if result > 0 {
                    hits.append(hit(x: x, y: y))
                } else if result == 0 {
                    // Rejected by the very first stage: the next window overlaps it almost
                    // entirely, so skip it (OpenCV does, and its results depend on it).
                    x += level.step
                }
                x += level.step
            }
        }
        return hits
    }

    /// The cascade's arrays as pointers for the duration of `body`.
    private func withModel<T>(_ body: (Model) -> T) -> T {
        nodes.withUnsafeBufferPointer { n in
            weaks.withUnsafeBufferPointer { w in
                cascade.leaves.withUnsafeBufferPointer { l in
                    stages.withUnsafeBufferPointer { s in
                        // Cascades always have stages, weak classifiers, nodes and leaves.
                        guard let nodes = n.baseAddress, let weaks = w.baseAddress, let leaves = l.baseAddress else {
                            preconditionFailure("a cascade without nodes")
                        }
                        return body(Model(nodes: nodes, weaks: weaks, leaves: leaves, stages: s))
                    }
                }
            }
        }
    }

    private func hit(x: Int, y: Int) -> PixelRect {
        PixelRect(x: Int((Float(x) * level.scale).rounded(.toNearestOrEven)),
                  y: Int((Float(y) * level.scale).rounded(.toNearestOrEven)),
                  width: level.windowWidth, height: level.windowHeight)
    }

    /// Sums and sums of squares over every rectangle from the origin, one row and column of
    /// zeros first. Both wrap around 32 bits like OpenCV's: differences over a window are
    /// still exact, since a window's true sum is far below 2³².
    private func integralImages(_ image: GrayImage) -> ([Int32], [UInt32]) {
        let width = image.width, height = image.height
        var sums = [Int32](repeating: 0, count: (height + 1) * stride)
        var squares = [UInt32](repeating: 0, count: (height + 1) * stride)
        image.pixels.withUnsafeBufferPointer { px in
            sums.withUnsafeMutableBufferPointer { s in
                squares.withUnsafeMutableBufferPointer { q in
                    for y in 0..<height {
                        var rowSum: Int32 = 0, rowSquares: UInt32 = 0
                        let above = y * stride, here = above + stride, source = y * width
                        for x in 0..<width {
                            let v = UInt32(px[source + x])
                            rowSum &+= Int32(bitPattern: v)
                            rowSquares &+= v &* v
                            s[here + x + 1] = s[above + x + 1] &+ rowSum
                            q[here + x + 1] = q[above + x + 1] &+ rowSquares
                        }
                    }
                }
            }
        }
        return (sums, squares)
    }

    private struct Model {
        var nodes: UnsafePointer<Node>
        var weaks: UnsafePointer<Weak>
        var leaves: UnsafePointer<Float>
        var stages: UnsafeBufferPointer<Stage>
    }

    /// 1 over the window's standard deviation times its area, or nil for a window too flat to judge.
    @inline(__always)
    private func varianceFactor(_ p: UnsafePointer<Int32>, _ q: UnsafePointer<UInt32>) -> Float? {
        let sum = p[norm.0] &- p[norm.1] &- p[norm.2] &+ p[norm.3]
        let squares = q[norm.0] &- q[norm.1] &- q[norm.2] &+ q[norm.3]
        let spread = normArea * Double(squares) - Double(sum) * Double(sum)
        guard spread > 0 else { return nil }
        let factor = Float(1 / spread.squareRoot())
        // A window whose standard deviation is 10 gray levels or less holds nothing to detect.
        return normArea * Double(factor) < 0.1 ? factor : nil
    }

    /// 1 when every stage accepts the window, -1 for a window too flat to judge, and minus the
    /// number of the rejecting stage otherwise (so 0 is a first-stage rejection), as OpenCV.
    @inline(__always)
    private func classifyStumps(_ p: UnsafePointer<Int32>, _ q: UnsafePointer<UInt32>, _ model: Model) -> Int {
        guard let factor = varianceFactor(p, q) else { return -1 }
        for (index, stage) in model.stages.enumerated() {
            var sum = 0.0
            var node = model.nodes + Int(stage.first)
            let end = model.nodes + Int(stage.end)
            while node < end {
                let value = featureValue(node, p) * factor
                sum += Double(value < node.pointee.threshold ? node.pointee.leftLeaf : node.pointee.rightLeaf)
                node += 1
            }
            if sum < Double(stage.threshold) { return -index }
        }
        return 1
    }

    /// As `classifyStumps`, for weak classifiers that are trees: walk from the root to a leaf.
    @inline(__always)
    private func classifyTrees(_ p: UnsafePointer<Int32>, _ q: UnsafePointer<UInt32>, _ model: Model) -> Int {
        guard let factor = varianceFactor(p, q) else { return -1 }
        for (index, stage) in model.stages.enumerated() {
            var sum = 0.0
            for w in Int(stage.first)..<Int(stage.end) {
                let weak = model.weaks[w]
                let root = model.nodes + Int(weak.firstNode)
                var child: Int32 = 0
                repeat {
                    let node = root + Int(child)
                    let value = featureValue(node, p) * factor
                    child = value < node.pointee.threshold ? node.pointee.left : node.pointee.right
                } while child > 0
                sum += Double(model.leaves[Int(weak.firstLeaf &- child)])
            }
            if sum < Double(stage.threshold) { return -index }
        }
        return 1
    }

    /// The weighted rectangle sums of one feature, in OpenCV's float arithmetic and order.
    @inline(__always)
    private func featureValue(_ node: UnsafePointer<Node>, _ p: UnsafePointer<Int32>) -> Float {
        let n = node.pointee
        let s0 = p[Int(n.a0)] &- p[Int(n.b0)] &- p[Int(n.c0)] &+ p[Int(n.d0)]
        let s1 = p[Int(n.a1)] &- p[Int(n.b1)] &- p[Int(n.c1)] &+ p[Int(n.d1)]
        var value = n.w0 * Float(s0) + n.w1 * Float(s1)
        if n.w2 != 0 {
            let s2 = p[Int(n.a2)] &- p[Int(n.b2)] &- p[Int(n.c2)] &+ p[Int(n.d2)]
            value += n.w2 * Float(s2)
        }
        return value
    }
}
