import AvatarMedia
import Foundation

/// Opens the mouth with the speech: below the lip line, inside an ellipse around the mouth,
/// the picture is pulled down (a jaw drop) and a soft dark band appears where the lips part.
/// Luma only; small enough that it costs nothing next to the encoder.
struct MouthWarp {
    /// Mouth centre and half-size in master pixels.
    let centerX: Double
    let centerY: Double
    let radiusX: Double
    let radiusY: Double
    let drop: Double

    init(face: Rect) {
        centerX = face.centerX
        centerY = face.y + face.height * 0.80
        radiusX = face.width * 0.26
        radiusY = face.height * 0.20
        drop = face.height * 0.05
    }

    /// Applies an opening of `amount` (0…1) to the luma of `frame`, shown through `view`.
    func apply(_ amount: Float, view: MotionPath.View, frame: YUVFrame, scratch: inout [UInt8]) {
        guard amount > 0.02 else { return }
        let luma = frame.plane(0)
        let cx = (centerX - view.centerX) / view.scale + Double(luma.width) / 2
        let cy = (centerY - view.centerY) / view.scale + Double(luma.height) / 2
        let rx = radiusX / view.scale, ry = radiusY / view.scale
        let shift = drop / view.scale * Double(amount)
        let x0 = max(0, Int(cx - rx)), x1 = min(luma.width - 1, Int(cx + rx))
        let y0 = max(0, Int(cy - ry)), y1 = min(luma.height - 2, Int(cy + ry))
        guard x1 > x0, y1 > y0 else { return }
        // Work from a copy of the region (plus the rows above it the pull reads from).
        let top = max(0, y0 - Int(shift) - 2), width = x1 - x0 + 1
        scratch.removeAll(keepingCapacity: true)
        for y in top...y1 { scratch.append(contentsOf: UnsafeBufferPointer(start: luma.base + y * luma.stride + x0, count: width)) }
        for y in y0...y1 {
            let dy = (Double(y) - cy) / ry
            for x in x0...x1 {
                let dx = (Double(x) - cx) / rx
                let across = max(0, 1 - dx * dx)
                guard across > 0 else { continue }
                var value = Double(luma.base[y * luma.stride + x])
                if dy >= 0 {
                    let weight = across * max(0, 1 - dy)
                    let sourceY = Double(y) - shift * weight
                    let row = Int(sourceY), fraction = sourceY - Double(row)
                    let a = Double(scratch[(row - top) * width + x - x0]), b = Double(scratch[min(row + 1 - top, y1 - top) * width + x - x0])
                    value = a + (b - a) * fraction
                }
                // The parted lips: a soft dark band half way down the opening.
                let band = (Double(y) - (cy + shift * 0.5)) / max(1, shift * 0.35 + 0.5)
                value *= 1 - 0.3 * Double(amount) * across * across * exp(-band * band)
                luma.base[y * luma.stride + x] = UInt8(max(16, min(235, value.rounded())))
            }
        }
    }
}
