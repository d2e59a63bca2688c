import AvatarMedia
import Foundation

/// The badge in the top-right corner ("PREVIEW", or `PreviewSettings.badgeText`), drawn once
/// with drawtext and blended into every frame, so nobody mistakes the preview for the paid render.
struct PreviewBadge {
    let x: Int
    let y: Int
    let width: Int
    let height: Int
    /// Per pixel: Y, Cb, Cr (BT.709 limited range) and alpha 0–255.
    let luma: [UInt8]
    let cb: [UInt8]
    let cr: [UInt8]
    let alpha: [UInt8]

    static func make(frameWidth: Int, frameHeight: Int, text: String = "PREVIEW") throws -> PreviewBadge {
        let fontSize = max(14, min(frameWidth, frameHeight) / 24)
        // Sized for seven capitals ("PREVIEW", "SANDBOX"), wider for a longer text.
        let width = (fontSize * 5 * max(7, text.count) / 7) & ~1, height = (fontSize * 8 / 5) & ~1
        let canvas = RGBAImage(width: width, height: height, fill: (200, 30, 30, 200))
        let font = PreflightPicture.fontCandidates.first { FileManager.default.fileExists(atPath: $0) }
        let drawn = try font.map { font in
            try ImageFilter.apply([FilterSpec("drawtext", [("fontfile", font), ("text", text), ("expansion", "none"),
                                                           ("fontsize", "\(fontSize)"), ("fontcolor", "white"),
                                                           ("x", "(w-text_w)/2"), ("y", "(h-text_h)/2")])], to: canvas)
        } ?? canvas
        let margin = fontSize
        return PreviewBadge(image: drawn, x: (frameWidth - width - margin) & ~1, y: margin & ~1)
    }

    init(image: RGBAImage, x: Int, y: Int) {
        self.x = x
        self.y = y
        width = image.width
        height = image.height
        var luma = [UInt8](), cb = [UInt8](), cr = [UInt8](), alpha = [UInt8]()
        for i in stride(from: 0, to: image.pixels.count, by: 4) {
            let r = Double(image.pixels[i]), g = Double(image.pixels[i + 1]), b = Double(image.pixels[i + 2])
            luma.append(UInt8((16 + 219 * (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255).rounded()))
            cb.append(UInt8((128 + 224 * (-0.1146 * r - 0.3854 * g + 0.5 * b) / 255).rounded()))
            cr.append(UInt8((128 + 224 * (0.5 * r - 0.4542 * g - 0.0458 * b) / 255).rounded()))
            alpha.append(image.pixels[i + 3])
        }
        self.luma = luma
        self.cb = cb
        self.cr = cr
        self.alpha = alpha
    }

    func blend(into frame: YUVFrame) {
        let plane = frame.plane(0)
        for row in 0..<height {
            for column in 0..<width {
                let i = row * width + column
                let p = plane.base + (y + row) * plane.stride + x + column
                p.pointee = mix(p.pointee, luma[i], alpha[i])
            }
        }
        let chromaPlanes: [(Int, [UInt8])] = [(1, cb), (2, cr)]
        for (index, values) in chromaPlanes {
            let chroma = frame.plane(index)
            for row in 0..<(height / 2) {
                for column in 0..<(width / 2) {
                    let i = row * 2 * width + column * 2
                    let p = chroma.base + (y / 2 + row) * chroma.stride + x / 2 + column
                    p.pointee = mix(p.pointee, values[i], alpha[i])
                }
            }
        }
    }

    @inline(__always)
    private func mix(_ under: UInt8, _ over: UInt8, _ alpha: UInt8) -> UInt8 {
        let a = Int(alpha)
        let sum: Int = Int(over) * a + Int(under) * (255 - a) + 127
        return UInt8(sum / 255)
    }
}
