import AvatarMedia
import Foundation

/// Draws the view of the master into an output frame, plane by plane, with bilinear
/// interpolation in 8-bit fixed point. The two halves of each plane run on both cores.
/// Weights are 0–256 in steps of 1/256 pixel, fine enough that the slow push-in does not step.
enum FrameResampler {
    static func draw(_ view: MotionPath.View, from master: YUVFrame, into frame: YUVFrame) {
        for plane in 0..<3 {
            // Chroma planes are half size: same scale, half the centre.
            let divisor = plane == 0 ? 1.0 : 2.0
            draw(plane: plane, centerX: view.centerX / divisor, centerY: view.centerY / divisor, scale: view.scale,
                 from: master, into: frame)
        }
    }

    private static func draw(plane index: Int, centerX: Double, centerY: Double, scale: Double, from master: YUVFrame, into frame: YUVFrame) {
        let source = master.plane(index), target = frame.plane(index)
        let columns = coordinates(count: target.width, center: centerX, scale: scale, limit: source.width)
        let sourceBase = UnsafePointer(source.base), targetBase = target.base
        let sourceStride = source.stride, targetStride = target.stride
        let rows = target.height, sourceHeight = source.height
        let sendable = Pointers(source: sourceBase, target: targetBase)
        let first = Int(columns.first?.index ?? 0), last = min(source.width - 1, Int(columns.last?.index ?? 0) + 1)
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let start = half * rows / 2, end = (half + 1) * rows / 2
            let pointers = sendable
            // Two passes a row: blend the two source rows (contiguous, vectorised by the
            // compiler), then interpolate across the blended row.
            var blended = [UInt8](repeating: 0, count: last + 1)
            columns.withUnsafeBufferPointer { columns in
                blended.withUnsafeMutableBufferPointer { blended in
                    for y in start..<end {
                        let (row, weight) = coordinate(Double(y), center: centerY, scale: scale, count: rows, limit: sourceHeight)
                        let top = pointers.source + row * sourceStride, bottom = top + sourceStride
                        blendRows(top, bottom, weight: UInt16(weight), from: first, through: last, into: blended)
                        interpolate(blended, columns: columns, into: pointers.target + y * targetStride)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func blendRows(_ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, weight: UInt16,
                                  from first: Int, through last: Int, into out: UnsafeMutableBufferPointer<UInt8>) {
        let inverse = 256 - weight
        for x in first...last {
            out[x] = UInt8(truncatingIfNeeded: (UInt16(top[x]) &* inverse &+ UInt16(bottom[x]) &* weight &+ 128) >> 8)
        }
    }

    @inline(__always)
    private static func interpolate(_ row: UnsafeMutableBufferPointer<UInt8>, columns: UnsafeBufferPointer<Tap>,
                                    into out: UnsafeMutablePointer<UInt8>) {
        for x in 0..<columns.count {
            let index = Int(columns[x].index), weight = UInt16(columns[x].weight)
            let value = UInt16(row[index]) &* (256 - weight) &+ UInt16(row[index + 1]) &* weight &+ 128
            out[x] = UInt8(truncatingIfNeeded: value >> 8)
        }
    }

    struct Pointers: @unchecked Sendable {
        let source: UnsafePointer<UInt8>
        let target: UnsafeMutablePointer<UInt8>
    }

    struct Tap { var index: Int32; var weight: Int16 }

    /// For each output position, the left source sample and the weight (0–256) of its right neighbour.
    static func coordinates(count: Int, center: Double, scale: Double, limit: Int) -> [Tap] {
        (0..<count).map { i in
            let (index, weight) = coordinate(Double(i), center: center, scale: scale, count: count, limit: limit)
            return Tap(index: Int32(index), weight: Int16(weight))
        }
    }

    @inline(__always)
    static func coordinate(_ i: Double, center: Double, scale: Double, count: Int, limit: Int) -> (Int, Int) {
        let position = center + (i + 0.5 - Double(count) / 2) * scale - 0.5
        let clamped = min(max(position, 0), Double(limit - 2))
        let index = Int(clamped)
        return (index, Int(((clamped - Double(index)) * 256).rounded()))
    }
}
