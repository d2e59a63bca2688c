import Foundation

/// A cascade file that cannot be used: missing, unreadable, not a cascade, damaged, or a kind
/// of cascade this detector does not evaluate. The message names the file and the problem.
public struct CascadeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case notFound, unreadable, malformed, unsupported
    }

    public let kind: Kind
    public let path: String
    public let detail: String

    public init(_ kind: Kind, path: String, _ detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(path): \(detail)" }
}

/// A boosted cascade of Haar-feature classifiers as OpenCV's `opencv_traincascade` writes it
/// (`<opencv_storage><cascade>` with stageType BOOST and featureType HAAR): stages of weak
/// classifiers that are stumps (haarcascade_frontalface_default, profileface) or small trees
/// (haarcascade_frontalface_alt2), over features of two or three weighted rectangles.
public struct HaarCascade: Sendable {
    /// One weighted rectangle of a feature, in window pixels.
    struct FeatureRect: Sendable {
        var x: Int, y: Int, width: Int, height: Int
        var weight: Float
    }

    /// A tree node: go left when the normalised feature value is below the threshold. A child
    /// index above 0 is a node of the same tree; 0 or below is the leaf number -index.
    struct Node: Sendable {
        var feature: Int
        var threshold: Float
        var left: Int
        var right: Int
    }

    struct WeakClassifier: Sendable {
        var firstNode: Int
        var firstLeaf: Int
    }

    struct Stage: Sendable {
        var weakClassifiers: Range<Int>
        var threshold: Float
    }

    public let path: String
    /// The size of the window the cascade was trained on, in pixels.
    public let windowWidth: Int
    public let windowHeight: Int
    let features: [[FeatureRect]]
    let nodes: [Node]
    let leaves: [Float]
    let weakClassifiers: [WeakClassifier]
    let stages: [Stage]

    public var stageCount: Int { stages.count }
    public var featureCount: Int { features.count }
    /// True when every weak classifier is a single node (a stump).
    public var isStumpBased: Bool { nodes.count == weakClassifiers.count }

    /// Reads a cascade file. Throws a `CascadeError` naming the file and the problem.
    public static func load(_ path: String) throws(CascadeError) -> HaarCascade {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CascadeError(.notFound, path: path, "no such cascade file")
        }
        guard !isDirectory.boolValue else { throw CascadeError(.unreadable, path: path, "is a directory, not a cascade file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CascadeError(.unreadable, path: path, "cannot be read (permissions?)")
        }
        guard !data.isEmpty else { throw CascadeError(.malformed, path: path, "is empty") }
        return try HaarCascade(xml: [UInt8](data), path: path)
    }

    /// Parses the XML text of a cascade; `path` is used in error messages.
    public init(xml: [UInt8], path: String) throws(CascadeError) {
        let document: CascadeXML
        do {
            document = try CascadeXML(bytes: xml)
        } catch {
            throw CascadeError(.malformed, path: path, "line \(CascadeXML.line(of: error.offset, in: xml)): \(error.message)")
        }
        self = try CascadeReader(xml: document, path: path).read()
    }

    init(path: String, windowWidth: Int, windowHeight: Int, features: [[FeatureRect]], nodes: [Node],
         leaves: [Float], weakClassifiers: [WeakClassifier], stages: [Stage]) {
        self.path = path
        self.windowWidth = windowWidth
        self.windowHeight = windowHeight
        self.features = features
        self.nodes = nodes
        self.leaves = leaves
        self.weakClassifiers = weakClassifiers
        self.stages = stages
    }
}

/// Walks the element tree of a cascade file and checks everything the detector will rely on
/// (indices in range, rectangles inside the window), since it reads memory unchecked.
private struct CascadeReader {
    let xml: CascadeXML
    let path: String

    func read() throws(CascadeError) -> HaarCascade {
        let cascade = try cascadeElement()
        try expect(cascade, "stageType", "BOOST", what: "boosted")
        try expect(cascade, "featureType", "HAAR", what: "Haar-feature")
        let width = try integer(try required(cascade, "width"))
        let height = try integer(try required(cascade, "height"))
        guard (3...1000).contains(width), (3...1000).contains(height) else {
            throw fail(cascade, "a window of \(width)×\(height) pixels is not plausible")
        }
        if let params = xml.child(cascade, "featureParams"), let count = xml.child(params, "maxCatCount"),
           try integer(count) > 0 {
            throw CascadeError(.unsupported, path: path, "has categorical (LBP-style) splits, which Haar cascades do not use")
        }
        let features = try readFeatures(try required(cascade, "features"), width: width, height: height)
        var model = Model()
        let stagesElement = try required(cascade, "stages")
        for stage in xml.children(stagesElement) {
            try readStage(stage, featureCount: features.count, into: &model)
        }
        if let declared = xml.child(cascade, "stageNum"), try integer(declared) != model.stages.count {
            throw fail(stagesElement, "declares \(try integer(declared)) stages but holds \(model.stages.count)")
        }
        guard !model.stages.isEmpty else { throw fail(stagesElement, "holds no stages") }
        return HaarCascade(path: path, windowWidth: width, windowHeight: height, features: features,
                           nodes: model.nodes, leaves: model.leaves, weakClassifiers: model.weakClassifiers,
                           stages: model.stages)
    }

    private struct Model {
        var nodes: [HaarCascade.Node] = []
        var leaves: [Float] = []
        var weakClassifiers: [HaarCascade.WeakClassifier] = []
        var stages: [HaarCascade.Stage] = []
    }

    /// `<opencv_storage>`'s first element, as OpenCV's loader takes it.
    private func cascadeElement() throws(CascadeError) -> Int {
        guard let root = xml.root, xml.name(root) == "opencv_storage" else {
            let name = xml.root.map { xml.name($0) } ?? "nothing"
            throw CascadeError(.malformed, path: path, "is not an OpenCV cascade: its root element is <\(name)>, not <opencv_storage>")
        }
        guard let cascade = xml.children(root).first else {
            throw CascadeError(.malformed, path: path, "holds no cascade inside <opencv_storage>")
        }
        if xml.child(cascade, "stageType") == nil && xml.child(cascade, "size") != nil {
            throw CascadeError(.unsupported, path: path,
                "is an old-format cascade (opencv-haar-classifier); only the format opencv_traincascade writes is read")
        }
        return cascade
    }

    private func readStage(_ stage: Int, featureCount: Int, into model: inout Model) throws(CascadeError) {
        // OpenCV lowers every stage threshold by 1e-5 to absorb rounding in training.
        let threshold = Float(try number(try required(stage, "stageThreshold"))) - 1e-5
        let weakElement = try required(stage, "weakClassifiers")
        let first = model.weakClassifiers.count
        for weak in xml.children(weakElement) {
            try readWeakClassifier(weak, featureCount: featureCount, into: &model)
        }
        guard model.weakClassifiers.count > first else { throw fail(weakElement, "a stage with no weak classifiers") }
        model.stages.append(HaarCascade.Stage(weakClassifiers: first..<model.weakClassifiers.count, threshold: threshold))
    }

    private func readWeakClassifier(_ weak: Int, featureCount: Int, into model: inout Model) throws(CascadeError) {
        let internalNodes = try required(weak, "internalNodes")
        let values = try numbers(internalNodes)
        let leafValues = try numbers(try required(weak, "leafValues"))
        guard !values.isEmpty, values.count % 4 == 0 else {
            throw fail(internalNodes, "<internalNodes> must hold 4 numbers per node (left, right, feature, threshold); it holds \(values.count)")
        }
        let nodeCount = values.count / 4
        model.weakClassifiers.append(HaarCascade.WeakClassifier(firstNode: model.nodes.count, firstLeaf: model.leaves.count))
        for n in 0..<nodeCount {
            let left = try index(values[4 * n], internalNodes), right = try index(values[4 * n + 1], internalNodes)
            let feature = try index(values[4 * n + 2], internalNodes)
            for child in [left, right] where child > 0 ? (child <= n || child >= nodeCount) : -child >= leafValues.count {
                throw fail(internalNodes, "node \(n) points to \(child > 0 ? "node" : "leaf") \(abs(child)), which does not follow it in this tree")
            }
            guard (0..<featureCount).contains(feature) else {
                throw fail(internalNodes, "node \(n) uses feature \(feature) of \(featureCount)")
            }
            model.nodes.append(HaarCascade.Node(feature: feature, threshold: Float(values[4 * n + 3]), left: left, right: right))
        }
        model.leaves += leafValues.map { Float($0) }
    }

    private func readFeatures(_ element: Int, width: Int, height: Int) throws(CascadeError) -> [[HaarCascade.FeatureRect]] {
        var features: [[HaarCascade.FeatureRect]] = []
        for feature in xml.children(element) {
            if let tilted = xml.child(feature, "tilted"), try integer(tilted) != 0 {
                throw CascadeError(.unsupported, path: path,
                    "line \(line(tilted)): feature \(features.count) is tilted (45°); this detector evaluates upright Haar features only")
            }
            let rectsElement = try required(feature, "rects")
            var rects: [HaarCascade.FeatureRect] = []
            for rect in xml.children(rectsElement) {
                let v = try numbers(rect)
                guard v.count == 5 else { throw fail(rect, "a feature rectangle needs 5 numbers (x y width height weight), not \(v.count)") }
                let r = HaarCascade.FeatureRect(x: try index(v[0], rect), y: try index(v[1], rect), width: try index(v[2], rect),
                                                height: try index(v[3], rect), weight: Float(v[4]))
                guard r.x >= 0, r.y >= 0, r.width >= 0, r.height >= 0, r.x + r.width <= width, r.y + r.height <= height else {
                    throw fail(rect, "rectangle \(r.x) \(r.y) \(r.width) \(r.height) lies outside the \(width)×\(height) window")
                }
                rects.append(r)
            }
            guard (1...3).contains(rects.count) else { throw fail(rectsElement, "a feature needs 1 to 3 rectangles, not \(rects.count)") }
            features.append(rects)
        }
        guard !features.isEmpty else { throw fail(element, "holds no features") }
        return features
    }

    // MARK: - Small readers

    private func required(_ parent: Int, _ name: String) throws(CascadeError) -> Int {
        guard let element = xml.child(parent, name) else {
            throw fail(parent, "<\(xml.name(parent))> has no <\(name)>")
        }
        return element
    }

    private func expect(_ parent: Int, _ name: String, _ value: String, what: String) throws(CascadeError) {
        let found = xml.text(try required(parent, name))
        guard found == value else {
            throw CascadeError(.unsupported, path: path, "is a \(name) \(found) cascade; only \(what) (\(value)) cascades are supported")
        }
    }

    private func numbers(_ element: Int) throws(CascadeError) -> [Double] {
        do {
            return try xml.numbers(element)
        } catch {
            throw CascadeError(.malformed, path: path, "line \(xml.line(of: error.offset)): <\(xml.name(element))> \(error.message)")
        }
    }

    private func number(_ element: Int) throws(CascadeError) -> Double {
        let values = try numbers(element)
        guard values.count == 1, values[0].isFinite else { throw fail(element, "<\(xml.name(element))> must hold one number") }
        return values[0]
    }

    private func integer(_ element: Int) throws(CascadeError) -> Int {
        try index(try number(element), element)
    }

    private func index(_ value: Double, _ element: Int) throws(CascadeError) -> Int {
        guard let n = Int(exactly: value), abs(n) < 1 << 30 else {
            throw fail(element, "\(value) in <\(xml.name(element))> is not a whole number")
        }
        return n
    }

    private func line(_ element: Int) -> Int { xml.line(of: xml.offset(of: element)) }

    private func fail(_ element: Int, _ message: String) -> CascadeError {
        CascadeError(.malformed, path: path, "line \(line(element)): \(message)")
    }
}
