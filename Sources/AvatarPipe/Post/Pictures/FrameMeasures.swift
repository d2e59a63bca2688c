import AvatarMedia

/// The cheap facts of one frame that a poster is judged on: brightness, contrast, whether it
/// is flat, sharpness, and its colour histogram.
struct FrameMeasures: Sendable {
    var meanLuma: Double
    var lumaDeviation: Double
    /// Black, white, or nearly one level all over (a fade, a title card's background).
    var flat: Bool
    /// Variance of the Laplacian of the luma, scaled to a standard contrast.
    var laplacianVariance: Double
    /// 256 bins each of red, green and blue, as shares of the pixels.
    var histogram: [Float]

    /// Under this mean the frame is black, over `whiteMean` white.
    static let blackMean = 18.0
    static let whiteMean = 240.0
    /// A frame with this share of its pixels within one band of `flatBand` levels is flat.
    static let flatShare = 0.92
    static let flatBand = 24

    init(image: RGBAImage, gray: GrayImage) {
        var lumaCounts = [Int](repeating: 0, count: 256)
        var colourCounts = [Int](repeating: 0, count: 768)
        gray.pixels.withUnsafeBufferPointer { luma in
            for value in luma { lumaCounts[Int(value)] += 1 }
        }
        image.pixels.withUnsafeBufferPointer { rgba in
            colourCounts.withUnsafeMutableBufferPointer { counts in
                var i = 0
                while i < rgba.count {
                    counts[Int(rgba[i])] += 1
                    counts[256 + Int(rgba[i + 1])] += 1
                    counts[512 + Int(rgba[i + 2])] += 1
                    i += 4
                }
            }
        }
        let count = Double(max(1, gray.pixels.count))
        var sum = 0.0, squares = 0.0
        for (level, n) in lumaCounts.enumerated() {
            sum += Double(level * n)
            squares += Double(level * level * n)
        }
        meanLuma = sum / count
        lumaDeviation = (max(0, squares / count - meanLuma * meanLuma)).squareRoot()
        var band = lumaCounts[0..<Self.flatBand].reduce(0, +), widest = band
        for top in Self.flatBand..<256 {
            band += lumaCounts[top] - lumaCounts[top - Self.flatBand]
            widest = max(widest, band)
        }
        flat = meanLuma < Self.blackMean || meanLuma > Self.whiteMean || Double(widest) / count >= Self.flatShare
        laplacianVariance = gray.width >= 3 && gray.height >= 3 ? FaceQuality.laplacianVariance(gray) : 0
        histogram = colourCounts.map { Float(Double($0) / count) }
    }

    /// Sum of squared differences between two histograms, as FFmpeg's thumbnail filter compares
    /// a frame with the mean of its batch.
    static func distance(_ a: [Float], _ b: [Float]) -> Double {
        var total = 0.0
        for i in 0..<min(a.count, b.count) {
            let d = Double(a[i] - b[i])
            total += d * d
        }
        return total
    }

    /// 1 for a mean level of 70–190, falling to 0 at 20 and 240, less twice the share of
    /// pixels clipped to black or white.
    static func exposureScore(_ gray: GrayImage) -> Double {
        guard !gray.pixels.isEmpty else { return 0 }
        let (mean, dark, bright) = FaceQuality.exposure(gray)
        let level: Double
        switch mean {
        case ..<20, 240...: level = 0
        case ..<70: level = (mean - 20) / 50
        case ...190: level = 1
        default: level = (240 - mean) / 50
        }
        return min(1, max(0, level - 2 * (dark + bright)))
    }
}

extension GrayImage {
    /// The part of the image inside `rect` (clipped to the image).
    func cropped(to rect: PixelRect) -> GrayImage {
        let box = rect.intersection(PixelRect(x: 0, y: 0, width: width, height: height))
        guard box.width > 0, box.height > 0 else { return GrayImage(width: 0, height: 0, pixels: []) }
        var out = [UInt8](repeating: 0, count: box.width * box.height)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for row in 0..<box.height {
                    let from = (box.y + row) * width + box.x
                    for i in 0..<box.width { target[row * box.width + i] = source[from + i] }
                }
            }
        }
        return GrayImage(width: box.width, height: box.height, pixels: out)
    }
}
