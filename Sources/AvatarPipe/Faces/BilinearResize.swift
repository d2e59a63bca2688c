extension GrayImage {
    /// Bilinear resampling with the arithmetic of OpenCV's bit-exact INTER_LINEAR_EXACT for
    /// 8-bit images, which its cascade detector uses for every pyramid level: pixel centres
    /// aligned, weights in 1/256, a horizontal pass kept in integers (8 fraction bits), a
    /// vertical pass rounded to the nearest level. Matching it exactly matters: a difference of
    /// one gray level in a few pixels can add or drop a detection at the edge of a face.
    public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(newWidth > 0 && newHeight > 0 && width > 0 && height > 0, "resizing an empty image")
        if newWidth == width && newHeight == height { return self }
        let columns = LinearTaps(target: newWidth, source: width)
        let rows = LinearTaps(target: newHeight, source: height)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        // Two horizontally resized source rows, reused while consecutive output rows share them.
        var upper = [Int32](repeating: 0, count: newWidth), lower = upper
        var upperRow = -1, lowerRow = -1
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for dy in 0..<newHeight {
                    let (r0, r1) = (rows.index[dy], min(rows.index[dy] + 1, height - 1))
                    if r0 == lowerRow {
                        swap(&upper, &lower)
                        swap(&upperRow, &lowerRow)
                    }
                    if r0 != upperRow {
                        columns.resizeRow(src, from: r0 * width, into: &upper)
                        upperRow = r0
                    }
                    if r1 != lowerRow {
                        columns.resizeRow(src, from: r1 * width, into: &lower)
                        lowerRow = r1
                    }
                    let b0 = rows.weight0[dy], b1 = rows.weight1[dy]
                    let outRow = dy * newWidth
                    upper.withUnsafeBufferPointer { s0 in
                        lower.withUnsafeBufferPointer { s1 in
                            for x in 0..<newWidth {
                                let v = (s0[x] &* b0 &+ s1[x] &* b1 &+ (1 << 15)) >> 16
                                dst[outRow + x] = UInt8(truncatingIfNeeded: min(v, 255))
                            }
                        }
                    }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }
}

/// Where each target sample along one axis reads its two source samples, and their weights
/// in 1/256. Samples that fall outside the source take its edge sample whole.
private struct LinearTaps {
    var index: [Int] = []
    var weight0: [Int32] = []
    var weight1: [Int32] = []

    init(target: Int, source: Int) {
        let scale = 1 / (Double(target) / Double(source))
        for d in 0..<target {
            let position = scale * (Double(d) + 0.5) - 0.5
            let s = Int(position.rounded(.down))
            if s >= 0 && s < source - 1 {
                let w1 = Int32(((position - Double(s)) * 256).rounded(.toNearestOrEven))
                index.append(s)
                weight0.append(256 - w1)
                weight1.append(w1)
            } else {
                index.append(s < 0 ? 0 : source - 1)
                weight0.append(256)
                weight1.append(0)
            }
        }
    }

    func resizeRow(_ src: UnsafeBufferPointer<UInt8>, from start: Int, into row: inout [Int32]) {
        row.withUnsafeMutableBufferPointer { out in
            for d in 0..<out.count {
                let s = start + index[d]
                // A zero weight never reads past the row's end.
                let right = weight1[d] == 0 ? 0 : Int32(src[s + 1]) &* weight1[d]
                out[d] = Int32(src[s]) &* weight0[d] &+ right
            }
        }
    }
}
