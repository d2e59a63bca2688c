import Foundation

/// Where the preview's camera looks at time t: a slow push-in (zoom 1.03 → 1.09 over the
/// clip, eased) drifting towards the face, with a gentle sway on two incommensurate
/// periods so it never visibly loops. All in master pixels, as real numbers: the
/// resampler interpolates, so the motion is sub-pixel smooth.
struct MotionPath {
    let duration: Double
    let frameWidth: Double
    let frameHeight: Double
    let masterWidth: Double
    let masterHeight: Double
    let oversize: Double
    let face: Rect?

    static let startZoom = 1.03
    static let endZoom = 1.09

    struct View {
        /// The master pixel at the frame's centre.
        var centerX: Double
        var centerY: Double
        /// Master pixels per frame pixel.
        var scale: Double
    }

    func view(at time: Double) -> View {
        let progress = duration > 0 ? min(1, max(0, time / duration)) : 0
        let eased = progress * progress * (3 - 2 * progress)
        let zoom = Self.startZoom + (Self.endZoom - Self.startZoom) * eased
        let scale = oversize / zoom
        var centerX = masterWidth / 2, centerY = masterHeight / 2
        if let face {
            // Drift towards the face (half way at the end), a little below its centre.
            centerX += (face.centerX - centerX) * 0.5 * eased
            centerY += (face.centerY + face.height * 0.3 - centerY) * 0.5 * eased
        }
        centerX += 0.005 * masterWidth * sin(2 * .pi * time / 6.7)
        centerY += 0.004 * masterHeight * sin(2 * .pi * time / 8.9 + 1.3)
        let halfWidth = frameWidth * scale / 2, halfHeight = frameHeight * scale / 2
        centerX = min(max(centerX, halfWidth), masterWidth - halfWidth)
        centerY = min(max(centerY, halfHeight), masterHeight - halfHeight)
        return View(centerX: centerX, centerY: centerY, scale: scale)
    }
}
