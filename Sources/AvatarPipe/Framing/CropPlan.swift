/// The service's output orientation: 16:9 landscape (1920×1080) or 9:16 portrait (1080×1920).
public enum Orientation: String, Codable, Sendable, CaseIterable {
    case landscape, portrait

    public var frameWidth: Int { self == .landscape ? 1920 : 1080 }
    public var frameHeight: Int { self == .landscape ? 1080 : 1920 }
    public var aspectLabel: String { self == .landscape ? "16:9" : "9:16" }
    public var other: Orientation { self == .landscape ? .portrait : .landscape }
}

/// How the photo fills the frame: `cover` scales it to fill and crops what sticks out
/// (centred, as the service does); `contain` scales it to fit and pads the rest.
public enum Fit: String, Codable, Sendable, CaseIterable {
    case cover, contain
    public var other: Fit { self == .cover ? .contain : .cover }
}

public struct Rect: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    public var area: Double { width * height }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var centerX: Double { x + width / 2 }
    public var centerY: Double { y + height / 2 }

    /// The part of this rectangle inside `bounds`.
    public func clipped(to bounds: Rect) -> Rect {
        let left = max(x, bounds.x), top = max(y, bounds.y)
        let right = min(maxX, bounds.maxX), bottom = min(maxY, bounds.maxY)
        return Rect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }

    public func contains(_ other: Rect) -> Bool {
        other.x >= x - 1e-9 && other.y >= y - 1e-9 && other.maxX <= maxX + 1e-9 && other.maxY <= maxY + 1e-9
    }
}

/// Fractions of a dimension taken off (cover) or added (contain) on each edge.
public struct Edges: Codable, Sendable, Equatable {
    public var top = 0.0, bottom = 0.0, left = 0.0, right = 0.0

    /// Plain words for the edges that are touched, e.g. "22% off the top and 22% off the bottom".
    public func describe(_ verb: String) -> String {
        let parts = [("top", top), ("bottom", bottom), ("left", left), ("right", right)]
            .filter { $0.1 > 0.0005 }
            .map { "\(Format.percent($0.1)) \(verb) the \($0.0)" }
        return parts.isEmpty ? "nothing" : parts.joined(separator: " and ")
    }
}

/// What one orientation and fit do to a photo: the part of it that stays visible, where it
/// lands in the output frame, and at what scale. The anchor is the photo's centre, as the
/// service crops; the subject's head box can be given to test whether it survives the crop.
public struct CropPlan: Codable, Sendable, Equatable {
    public var orientation: Orientation
    public var fit: Fit
    public var frameWidth: Int
    public var frameHeight: Int
    public var photoWidth: Int
    public var photoHeight: Int
    /// The part of the photo that is visible, in photo pixels.
    public var visible: Rect
    /// Where the visible part lands in the frame, in frame pixels.
    public var placement: Rect
    /// Frame pixels per photo pixel.
    public var scale: Double
    /// Cover: the share of the photo's area cut away; and from which edges (of the photo's size).
    public var lostFraction: Double
    public var cut: Edges
    /// Contain: the share of the frame that is padding; and on which edges (of the frame's size).
    public var paddedFraction: Double
    public var pad: Edges
    /// The subject's head (the face with margins for hair and chin, photo pixels), when a face
    /// was found, and whether the visible part holds all of it.
    public var head: Rect?
    public var headVisible: Bool?

    public init(photoWidth: Int, photoHeight: Int, orientation: Orientation, fit: Fit, head: Rect? = nil) {
        self.orientation = orientation
        self.fit = fit
        frameWidth = orientation.frameWidth
        frameHeight = orientation.frameHeight
        self.photoWidth = photoWidth
        self.photoHeight = photoHeight
        let pw = Double(photoWidth), ph = Double(photoHeight)
        let fw = Double(frameWidth), fh = Double(frameHeight)
        cut = Edges()
        pad = Edges()
        switch fit {
        case .cover:
            scale = max(fw / pw, fh / ph)
            let vw = min(pw, fw / scale), vh = min(ph, fh / scale)
            visible = Rect(x: (pw - vw) / 2, y: (ph - vh) / 2, width: vw, height: vh)
            placement = Rect(x: 0, y: 0, width: fw, height: fh)
            lostFraction = max(0, 1 - visible.area / (pw * ph))
            cut = Edges(top: visible.y / ph, bottom: (ph - visible.maxY) / ph, left: visible.x / pw, right: (pw - visible.maxX) / pw)
            paddedFraction = 0
        case .contain:
            scale = min(fw / pw, fh / ph)
            let w = pw * scale, h = ph * scale
            visible = Rect(x: 0, y: 0, width: pw, height: ph)
            placement = Rect(x: (fw - w) / 2, y: (fh - h) / 2, width: w, height: h)
            lostFraction = 0
            paddedFraction = max(0, 1 - placement.area / (fw * fh))
            pad = Edges(top: placement.y / fh, bottom: (fh - placement.maxY) / fh, left: placement.x / fw, right: (fw - placement.maxX) / fw)
        }
        self.head = head
        // A head cut by the photo's own edge is judged on the part that exists.
        headVisible = head.map { visible.contains($0.clipped(to: Rect(x: 0, y: 0, width: pw, height: ph))) }
    }

    /// The photo's visible short side in pixels: what the frame's short side is made from.
    public var sourceShortSide: Double { min(visible.width, visible.height) }

    /// Every orientation and fit for one photo, the chosen one first.
    public static func all(photoWidth: Int, photoHeight: Int, chosen: (Orientation, Fit), head: Rect? = nil) -> [CropPlan] {
        var plans = [CropPlan(photoWidth: photoWidth, photoHeight: photoHeight, orientation: chosen.0, fit: chosen.1, head: head)]
        for orientation in Orientation.allCases {
            for fit in Fit.allCases where (orientation, fit) != chosen {
                plans.append(CropPlan(photoWidth: photoWidth, photoHeight: photoHeight, orientation: orientation, fit: fit, head: head))
            }
        }
        return plans
    }
}
