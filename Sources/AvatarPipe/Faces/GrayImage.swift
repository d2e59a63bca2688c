import AvatarMedia

/// 8-bit luma pixels, rows top to bottom, no padding: what the face detector works on.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height, "gray buffer does not match its size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Luma with BT.601 weights in 15-bit fixed point, rounded, as OpenCV's RGB2GRAY computes
    /// it for 8-bit pixels: the same gray values make the detector's results comparable with
    /// OpenCV's bit for bit. Alpha is ignored, as OpenCV's imread drops it.
    public init(_ image: RGBAImage) {
        let count = image.width * image.height
        var gray = [UInt8](repeating: 0, count: count)
        image.pixels.withUnsafeBufferPointer { rgba in
            gray.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let r = UInt32(rgba[4 * i]), g = UInt32(rgba[4 * i + 1]), b = UInt32(rgba[4 * i + 2])
                    out[i] = UInt8(truncatingIfNeeded: (r &* 9798 &+ g &* 19235 &+ b &* 3735 &+ (1 << 14)) >> 15)
                }
            }
        }
        self.init(width: image.width, height: image.height, pixels: gray)
    }

    /// The image flipped left to right.
    public func mirrored() -> GrayImage {
        var out = pixels
        out.withUnsafeMutableBufferPointer { p in
            for y in 0..<height {
                let row = y * width
                var left = row, right = row + width - 1
                while left < right {
                    p.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// A copy whose long side is at most `maxSide` (0 = no limit), by area averaging, which
    /// keeps fine detail from aliasing the way point sampling would. Returns self when it fits.
    public func fitting(maxSide: Int) -> GrayImage {
        guard maxSide > 0, max(width, height) > maxSide else { return self }
        let scale = Double(maxSide) / Double(max(width, height))
        let newWidth = max(1, Int((Double(width) * scale).rounded()))
        let newHeight = max(1, Int((Double(height) * scale).rounded()))
        return areaAveraged(width: newWidth, height: newHeight)
    }

    /// Downscales by averaging every source pixel over the area it covers in the target:
    /// rows first into floats, then columns.
    public func areaAveraged(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(newWidth > 0 && newHeight > 0 && newWidth <= width && newHeight <= height, "area averaging only shrinks")
        let columns = AreaWeights(source: width, target: newWidth)
        let rows = AreaWeights(source: height, target: newHeight)
        var horizontal = [Float](repeating: 0, count: height * newWidth)
        pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for t in 0..<newWidth {
                        dst[y * newWidth + t] = columns.average(t) { Float(src[y * width + $0]) }
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        horizontal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for t in 0..<newHeight {
                    for x in 0..<newWidth {
                        let value = rows.average(t) { src[$0 * newWidth + x] }
                        dst[t * newWidth + x] = UInt8(min(255, max(0, value.rounded())))
                    }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }
}

/// For each target sample along one axis: the first source sample it covers and the share
/// of it that each covered source sample contributes.
private struct AreaWeights {
    var first: [Int] = []
    var weights: [[Float]] = []

    init(source: Int, target: Int) {
        let step = Double(source) / Double(target)
        for t in 0..<target {
            let start = Double(t) * step, end = Double(t + 1) * step
            let lo = Int(start), hi = min(source, Int(end.rounded(.up)))
            first.append(lo)
            weights.append((lo..<hi).map { s in
                Float((min(end, Double(s + 1)) - max(start, Double(s))) / step)
            })
        }
    }

    @inline(__always)
    func average(_ t: Int, _ sample: (Int) -> Float) -> Float {
        var sum: Float = 0
        for (k, w) in weights[t].enumerated() { sum += w * sample(first[t] + k) }
        return sum
    }
}
