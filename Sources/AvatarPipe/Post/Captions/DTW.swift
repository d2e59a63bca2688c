import Foundation

/// Dynamic time warping of real speech (rows) against the synthetic reference (columns) in
/// a fixed band around the diagonal of the two lengths: Euclidean distance between frames,
/// steps (1,1), (1,0) and (0,1) with equal weights, one byte of back-pointer per cell.
struct DTWAlignment: Sendable {
    /// For each synthetic frame, the first and last real frame the path matches it with.
    var firstMatch: [Int32]
    var lastMatch: [Int32]
    /// The path's accumulated distance divided by its number of cells.
    var meanCost: Double
    var pathLength: Int
    /// For each real frame, the mean distance of the path's cells in its row.
    var rowCost: [Float]
    /// For each real frame, the smallest distance to any synthetic frame in its band.
    var rowMinimum: [Float] = []

    /// The real frame (fractional) a synthetic frame position (fractional) corresponds to.
    /// The path makes a monotone, piecewise-linear warp: synthetic frame j spans positions
    /// j - ½ … j + ½ and is spread evenly over the real frames it is matched with, from the
    /// boundary with the previous frame's run to the boundary with the next one's. Its centre
    /// lands in the middle of its run; an edge of speech lands where the run of the silence
    /// next to it ends, not in the middle of a long run.
    func realFrame(forSynthetic position: Double) -> Double {
        let count = firstMatch.count
        guard count > 0 else { return 0 }
        let clamped = min(max(position, -0.5), Double(count) - 0.5)
        let frame = min(Int((clamped + 0.5).rounded(.down)), count - 1)
        let entry = frame > 0 ? (Double(lastMatch[frame - 1]) + Double(firstMatch[frame])) / 2 : Double(firstMatch[0]) - 0.5
        let exit = frame + 1 < count ? (Double(lastMatch[frame]) + Double(firstMatch[frame + 1])) / 2 : Double(lastMatch[frame]) + 0.5
        let fraction = clamped - (Double(frame) - 0.5)
        return entry + (exit - entry) * fraction
    }
}

enum DTW {
    /// Aligns `real` (N frames) with `synthetic` (M frames), both with the same bands, within
    /// `band` frames of the diagonal (widened when the lengths differ so much that the band
    /// would not connect the corners).
    static func align(real: FrameMatrix, synthetic: FrameMatrix, band requestedBand: Int) -> DTWAlignment {
        let n = real.frames, m = synthetic.frames
        precondition(real.bands == synthetic.bands)
        guard n > 0, m > 0 else { return DTWAlignment(firstMatch: [], lastMatch: [], meanCost: .infinity, pathLength: 0, rowCost: []) }
        let slope = n > 1 ? Double(m - 1) / Double(n - 1) : 0
        let band = max(requestedBand, Int(slope.rounded(.up)) + 2)
        var low = [Int32](repeating: 0, count: n), high = [Int32](repeating: 0, count: n)
        var rowStart = [Int](repeating: 0, count: n + 1)
        var widest = 1
        for i in 0..<n {
            let centre = n > 1 ? Int((Double(i) * slope).rounded()) : 0
            low[i] = Int32(max(0, centre - band))
            high[i] = Int32(n > 1 ? min(m - 1, centre + band) : m - 1)
            if i == n - 1 { high[i] = Int32(m - 1) }
            rowStart[i + 1] = rowStart[i] + Int(high[i] - low[i]) + 1
            widest = max(widest, Int(high[i] - low[i]) + 1)
        }
        let pointers = UnsafeMutablePointer<UInt8>.allocate(capacity: rowStart[n])
        defer { pointers.deallocate() }
        // Two full-width rows of accumulated cost, with one guard cell on the left; cells a
        // row does not reach hold infinity when the next row reads them.
        let width = m + 2
        var previous = UnsafeMutablePointer<Float>.allocate(capacity: width)
        var current = UnsafeMutablePointer<Float>.allocate(capacity: width)
        defer { previous.deallocate(); current.deallocate() }
        previous.initialize(repeating: .infinity, count: width)
        current.initialize(repeating: .infinity, count: width)
        let bands = real.bands
        // The synthetic frames band by band (bands × M), so that the distances of one real
        // frame to a run of synthetic frames are element-wise loops the compiler vectorises.
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: bands * m)
        defer { columns.deallocate() }
        for j in 0..<m {
            let row = synthetic.row(j)
            for k in 0..<bands { columns[k * m + j] = row[k] }
        }
        var minimum = [Float](repeating: 0, count: n)
        let distances = UnsafeMutablePointer<Float>.allocate(capacity: widest)
        defer { distances.deallocate() }

        for i in 0..<n {
            let lo = Int(low[i]), hi = Int(high[i])
            let count = hi - lo + 1
            let a = real.row(i)
            distances.initialize(repeating: 0, count: count)
            // Four bands a pass, so the running sums are loaded and stored a quarter as often.
            var k = 0
            while k + 4 <= bands {
                let v0 = a[k], v1 = a[k + 1], v2 = a[k + 2], v3 = a[k + 3]
                let c0 = columns + k * m + lo, c1 = c0 + m, c2 = c1 + m, c3 = c2 + m
                for j in 0..<count {
                    let d0 = v0 - c0[j], d1 = v1 - c1[j], d2 = v2 - c2[j], d3 = v3 - c3[j]
                    distances[j] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3)
                }
                k += 4
            }
            while k < bands {
                let value = a[k], column = columns + k * m + lo
                for j in 0..<count { let d = value - column[j]; distances[j] += d * d }
                k += 1
            }
            var smallest = Float.infinity
            for j in 0..<count { distances[j] = distances[j].squareRoot(); smallest = min(smallest, distances[j]) }
            minimum[i] = smallest

            let rowPointers = pointers + rowStart[i]
            // current[j + 1] is D[i][j]; current[lo] (D[i][lo - 1]) must read as infinity.
            current[lo] = .infinity
            var j = lo
            if i == 0 {
                current[1] = distances[0]
                rowPointers[0] = 0
                j = 1
            }
            var left = current[j]
            while j <= hi {
                let diagonal = previous[j], up = previous[j + 1]
                var best = diagonal, from: UInt8 = 0
                if up < best { best = up; from = 1 }
                if left < best { best = left; from = 2 }
                left = best + distances[j - lo]
                current[j + 1] = left
                rowPointers[j - lo] = from
                j += 1
            }
            // The next row may read up to its own high end and one cell left of its low end.
            let nextHigh = i + 1 < n ? Int(high[i + 1]) : hi
            if hi + 2 <= nextHigh + 1 {
                for j in (hi + 2)...(nextHigh + 1) { current[j] = .infinity }
            }
            swap(&previous, &current)
        }
        let total = previous[m]

        // Back-track from the last cell of both.
        var firstMatch = [Int32](repeating: Int32.max, count: m)
        var lastMatch = [Int32](repeating: -1, count: m)
        var rowCost = [Float](repeating: 0, count: n)
        var rowCells = [Int32](repeating: 0, count: n)
        var i = n - 1, j = m - 1, length = 0
        while true {
            firstMatch[j] = min(firstMatch[j], Int32(i))
            lastMatch[j] = max(lastMatch[j], Int32(i))
            rowCost[i] += distance(real.row(i), synthetic.row(j), count: bands)
            rowCells[i] += 1
            length += 1
            if i == 0 && j == 0 { break }
            switch pointers[rowStart[i] + j - Int(low[i])] {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
            if i < 0 || j < 0 { break }
        }
        for row in 0..<n where rowCells[row] > 0 { rowCost[row] /= Float(rowCells[row]) }
        return DTWAlignment(firstMatch: firstMatch, lastMatch: lastMatch,
                            meanCost: Double(total) / Double(max(length, 1)), pathLength: length, rowCost: rowCost,
                            rowMinimum: minimum)
    }

    static func distance(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for k in 0..<count { let d = a[k] - b[k]; sum += d * d }
        return sum.squareRoot()
    }
}
