/// A box in whole pixels.
public struct PixelRect: Sendable, Equatable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var area: Int { width * height }

    /// The part of this box inside `other` (zero-sized when they do not overlap).
    public func intersection(_ other: PixelRect) -> PixelRect {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        return PixelRect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }

    /// Intersection over union, 0 to 1.
    public func overlap(_ other: PixelRect) -> Double {
        let shared = intersection(other).area
        let union = area + other.area - shared
        return union > 0 ? Double(shared) / Double(union) : 0
    }
}

/// Merges the many hits a cascade makes around one object into one box, as OpenCV's
/// groupRectangles does: hits whose edges are all within `eps` of their sizes fall in one
/// group (transitively), a group's box is the mean of its hits, groups with `threshold` hits
/// or fewer are dropped, and so is a group lying inside a larger group that has more hits.
enum RectangleGrouping {
    static func group(_ rects: [PixelRect], threshold: Int, eps: Double) -> [(rect: PixelRect, hits: Int)] {
        if threshold <= 0 || rects.isEmpty { return rects.map { ($0, 1) } }
        let labels = partition(rects) { similar($0, $1, eps: eps) }
        let classCount = (labels.max() ?? -1) + 1
        var sums = [(x: Int, y: Int, width: Int, height: Int)](repeating: (0, 0, 0, 0), count: classCount)
        var counts = [Int](repeating: 0, count: classCount)
        for (rect, label) in zip(rects, labels) {
            sums[label].x += rect.x; sums[label].y += rect.y
            sums[label].width += rect.width; sums[label].height += rect.height
            counts[label] += 1
        }
        let means = (0..<classCount).map { c -> PixelRect in
            // OpenCV multiplies by a float reciprocal and rounds half to even; so do we.
            let s = 1 / Float(counts[c])
            func mean(_ total: Int) -> Int { Int((Float(total) * s).rounded(.toNearestOrEven)) }
            return PixelRect(x: mean(sums[c].x), y: mean(sums[c].y), width: mean(sums[c].width), height: mean(sums[c].height))
        }
        var out: [(rect: PixelRect, hits: Int)] = []
        for i in 0..<classCount where counts[i] > threshold {
            let swallowed = (0..<classCount).contains { j in
                j != i && counts[j] > threshold && isInside(means[i], means[j], eps: eps)
                    && (counts[j] > max(3, counts[i]) || counts[i] < 3)
            }
            if !swallowed { out.append((means[i], counts[i])) }
        }
        return out
    }

    /// True when every edge of `a` is within eps × the mean of the smaller sides of `b`'s.
    static func similar(_ a: PixelRect, _ b: PixelRect, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.maxX - b.maxX)) <= delta && Double(abs(a.maxY - b.maxY)) <= delta
    }

    /// `inner` inside `outer` grown by eps of its size on each side.
    static func isInside(_ inner: PixelRect, _ outer: PixelRect, eps: Double) -> Bool {
        let dx = Int((Double(outer.width) * eps).rounded(.toNearestOrEven))
        let dy = Int((Double(outer.height) * eps).rounded(.toNearestOrEven))
        return inner.x >= outer.x - dx && inner.y >= outer.y - dy
            && inner.maxX <= outer.maxX + dx && inner.maxY <= outer.maxY + dy
    }

    /// Equivalence classes of the transitive closure of `related` (union–find); classes are
    /// numbered in the order of their first member, as OpenCV's partition numbers them.
    static func partition<T>(_ items: [T], _ related: (T, T) -> Bool) -> [Int] {
        var parent = Array(0..<items.count)
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var j = i
            while parent[j] != r {
                let next = parent[j]
                parent[j] = r
                j = next
            }
            return r
        }
        for i in items.indices {
            for j in (i + 1)..<items.count where related(items[i], items[j]) {
                let a = root(i), b = root(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var labelOfRoot: [Int: Int] = [:]
        return items.indices.map { i in
            let r = root(i)
            if let label = labelOfRoot[r] { return label }
            labelOfRoot[r] = labelOfRoot.count
            return labelOfRoot.count - 1
        }
    }
}
