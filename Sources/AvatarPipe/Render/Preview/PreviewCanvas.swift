import AvatarMedia
import Foundation

/// The still picture the preview moves over: the photo laid out in the frame as the chosen
/// fit does it (cover: cropped to the frame's aspect, centred on the face when there is one;
/// contain: fitted over a blurred copy or a colour), at a little more than the frame's
/// resolution so the push-in stays sharp, converted to YUV once.
struct PreviewCanvas {
    let master: YUVFrame
    /// Master pixels per frame pixel at zoom 1.
    let oversize: Double
    /// The face, in master pixels.
    let face: Rect?

    static let oversize = 1.1

    static func make(photo: RGBAImage, face: Rect?, settings: PreviewSettings) throws -> PreviewCanvas {
        let (width, height) = settings.frameSize
        let masterWidth = even(Double(width) * oversize), masterHeight = even(Double(height) * oversize)
        let (picture, masterFace): (RGBAImage, Rect?)
        switch settings.fit {
        case .cover:
            (picture, masterFace) = try cover(photo, face: face, width: masterWidth, height: masterHeight)
        case .contain:
            (picture, masterFace) = try contain(photo, face: face, width: masterWidth, height: masterHeight, padding: settings.padding)
        }
        let master = try YUVFrame(width: masterWidth, height: masterHeight)
        try master.fill(from: picture)
        return PreviewCanvas(master: master, oversize: oversize, face: masterFace)
    }

    /// The largest crop of the frame's aspect, centred on the face (or the photo), scaled to the master.
    static func cover(_ photo: RGBAImage, face: Rect?, width: Int, height: Int) throws -> (RGBAImage, Rect?) {
        let aspect = Double(width) / Double(height)
        let pw = Double(photo.width), ph = Double(photo.height)
        let cw = min(pw, ph * aspect), ch = cw / aspect
        let centerX = face?.centerX ?? pw / 2, centerY = face.map { $0.y + $0.height * 0.9 } ?? ph / 2
        let x = min(max(0, centerX - cw / 2), pw - cw), y = min(max(0, centerY - ch / 2), ph - ch)
        let crop = Rect(x: x.rounded(), y: y.rounded(), width: cw.rounded(.down), height: ch.rounded(.down))
        let cropped = PhotoPlan.crop(photo, to: crop)
        let scale = Double(width) / crop.width
        let picture = try ImageConverter.resize(cropped, width: width, height: height, filter: scale < 1 ? .area : .bicubic)
        let mapped = face.map { Rect(x: ($0.x - crop.x) * scale, y: ($0.y - crop.y) * scale, width: $0.width * scale, height: $0.height * scale) }
        return (picture, mapped)
    }

    /// The whole photo fitted into the master, over a blurred cover copy or a colour.
    static func contain(_ photo: RGBAImage, face: Rect?, width: Int, height: Int,
                        padding: PreviewSettings.Padding) throws -> (RGBAImage, Rect?) {
        let scale = min(Double(width) / Double(photo.width), Double(height) / Double(photo.height))
        let fittedWidth = max(2, Int((Double(photo.width) * scale).rounded())), fittedHeight = max(2, Int((Double(photo.height) * scale).rounded()))
        let fitted = try ImageConverter.resize(photo, width: fittedWidth, height: fittedHeight, filter: scale < 1 ? .area : .bicubic)
        var background: RGBAImage
        switch padding {
        case .color(let color):
            background = RGBAImage(width: width, height: height, fill: (color.r, color.g, color.b, 255))
        case .blur:
            // Blur a small copy (cheap) and scale it up: the result is smooth either way.
            let (cover, _) = try cover(photo, face: nil, width: even(Double(width) / 8), height: even(Double(height) / 8))
            let blurred = try ImageFilter.apply([FilterSpec("gblur", [("sigma", "6")]),
                                                 FilterSpec("eq", [("brightness", "-0.12"), ("saturation", "0.8")])], to: cover)
            background = try ImageConverter.resize(blurred, width: width, height: height, filter: .bicubic)
        }
        let x = (width - fittedWidth) / 2, y = (height - fittedHeight) / 2
        background.paste(fitted, x: x, y: y)
        let mapped = face.map { Rect(x: $0.x * scale + Double(x), y: $0.y * scale + Double(y), width: $0.width * scale, height: $0.height * scale) }
        return (background, mapped)
    }

    static func even(_ value: Double) -> Int { max(2, Int(value.rounded()) & ~1) }
}

extension RGBAImage {
    /// Copies `image` onto this one with its top-left corner at (x, y), alpha blended.
    mutating func paste(_ image: RGBAImage, x: Int, y: Int) {
        let width = self.width, height = self.height
        pixels.withUnsafeMutableBufferPointer { target in
            image.pixels.withUnsafeBufferPointer { source in
                for row in 0..<image.height where y + row >= 0 && y + row < height {
                    for column in 0..<image.width where x + column >= 0 && x + column < width {
                        let s = (row * image.width + column) * 4, t = ((y + row) * width + x + column) * 4
                        let alpha = Int(source[s + 3])
                        for c in 0..<3 {
                            target[t + c] = UInt8((Int(source[s + c]) * alpha + Int(target[t + c]) * (255 - alpha) + 127) / 255)
                        }
                        target[t + 3] = 255
                    }
                }
            }
        }
    }
}
