import AvatarMedia
import Foundation
import Synchronization

/// A face as the check reports it, in photo pixels (EXIF orientation applied).
public struct FaceFacts: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    /// How many raw detections were merged into this face: more is surer.
    public var score: Int
    public var kind: FaceKind

    public var rect: Rect { Rect(x: x, y: y, width: width, height: height) }

    /// The face with room for hair above, chin and neck below and ears at the sides: what a
    /// crop must keep for the head to look whole.
    public var head: Rect {
        Rect(x: x - 0.15 * width, y: y - 0.40 * height, width: 1.30 * width, height: 1.60 * height)
    }
}

/// The face checks: one clear frontal face, big enough, inside the photo, sharp and well
/// exposed. The detector is OpenCV's Haar cascades evaluated in Swift (AvatarPipe/Faces).
public enum FaceCheck {
    public static let smallFaceFraction = 0.15
    /// Variance of the Laplacian of the face scaled to 128 px and to a standard contrast
    /// (so a dim face is not taken for a blurred one); under this the face is soft.
    public static let blurThreshold = 60.0
    public static let darkMean = 60.0
    public static let brightMean = 205.0
    public static let clippedShare = 0.20

    public struct Outcome: Sendable {
        public var faces: [FaceFacts]?
        public var findings: [Finding]
    }

    /// Coarse to fine: the frontal cascade on a 384 px copy first (tens of milliseconds,
    /// and it finds any face over about 5% of the photo); only when that finds nothing, the
    /// full search on a 1024 px copy with the profile pass. A second face under ~5% next
    /// to a found one is not looked for.
    public static func run(image: RGBAImage, path: String, finders: Finders) -> Outcome {
        var search = finders.coarse.find(in: image)
        if search.unavailableReason == nil, search.faces.isEmpty {
            search = finders.fine.find(in: image)
        }
        if let reason = search.unavailableReason {
            return Outcome(faces: nil, findings: [Finding(.warn, "faces.unavailable",
                "\(reason). The other checks ran; install Debian's opencv-data or point AVATARPIPE_CASCADES at the cascades.")])
        }
        let faces = significant(search.faces).map {
            FaceFacts(x: $0.rect.x, y: $0.rect.y, width: $0.rect.width, height: $0.rect.height, score: $0.neighbors, kind: $0.kind)
        }
        return Outcome(faces: faces, findings: findings(faces, image: image, path: path))
    }

    /// Drops weak small boxes next to a much larger face (the detector's usual false hits).
    static func significant(_ faces: [FaceBox]) -> [FaceBox] {
        guard let largest = faces.first else { return [] }
        return faces.filter { $0 == largest || $0.rect.height >= 0.5 * largest.rect.height || $0.neighbors >= 8 }
    }

    static func findings(_ faces: [FaceFacts], image: RGBAImage, path: String) -> [Finding] {
        guard let subject = faces.first else {
            return [Finding(.block, "faces.none", "\(path): no face found; the service needs one clear frontal face looking at the camera")]
        }
        let where_ = "\(Int(subject.width))×\(Int(subject.height)) at (\(Int(subject.x)), \(Int(subject.y)))"
        let values: [String: FactValue] = ["x": .of(subject.x), "y": .of(subject.y), "width": .of(subject.width),
                                           "height": .of(subject.height), "count": .of(faces.count)]
        if subject.kind == .profile {
            return [Finding(.block, "faces.profile",
                            "\(path): the only face found (\(where_)) is turned to the side; the service needs a frontal face looking at the camera",
                            values: values)]
        }
        var result: [Finding] = []
        if faces.count > 1 {
            result.append(Finding(.warn, "faces.several",
                                  "\(path) shows \(faces.count) faces; the largest (\(where_)) is taken as the subject, but the service "
                                  + "may animate another. Crop the photo to one person.", values: values))
        } else {
            result.append(Finding(.ok, "faces.one", "one frontal face, \(where_)", values: values))
        }
        result += [sizeFinding(subject, image: image, path: path), edgeFinding(subject, image: image, path: path)].compactMap { $0 }
        result += FaceQuality.findings(subject, image: image, path: path)
        return result
    }

    static func sizeFinding(_ face: FaceFacts, image: RGBAImage, path: String) -> Finding? {
        let share = face.height / Double(image.height)
        guard share < smallFaceFraction else { return nil }
        return Finding(.warn, "faces.small",
                       "the face in \(path) is only \(Format.percent(share)) of the photo's height; the avatar will be small and "
                       + "lip-sync weak. Crop closer to the head and shoulders (aim for 20–50%).",
                       values: ["height_fraction": .of(share)])
    }

    static func edgeFinding(_ face: FaceFacts, image: RGBAImage, path: String) -> Finding? {
        let head = face.head
        var edges: [String] = []
        if head.y < 0 { edges.append("top") }
        if head.maxY > Double(image.height) { edges.append("bottom") }
        if head.x < 0 { edges.append("left") }
        if head.maxX > Double(image.width) { edges.append("right") }
        guard !edges.isEmpty else { return nil }
        return Finding(.warn, "faces.at_edge",
                       "the head in \(path) is cut by the photo's \(edges.joined(separator: " and ")) edge; the avatar will look cropped. "
                       + "Use a photo with room around the head.", values: ["edges": .text(edges.joined(separator: ","))])
    }

    /// The two searches of `run`.
    public struct Finders: Sendable {
        public var coarse: FaceFinder
        public var fine: FaceFinder
    }

    public static let coarseWorkingSize = 384
    private static let cache = Mutex<[String: Finders]>([:])

    /// One pair of finders per cascade directory per process: loading a cascade costs tens
    /// of milliseconds.
    public static func finders(cascadeDirectory: String? = nil) -> Finders {
        let directory = cascadeDirectory ?? FaceFinder.cascadeDirectory()
        return cache.withLock { cache in
            if let finders = cache[directory] { return finders }
            var coarse = FaceFinder.Configuration(cascadeDirectory: directory)
            coarse.maxWorkingSize = coarseWorkingSize
            coarse.profileCascadePath = nil
            let finders = Finders(coarse: FaceFinder(configuration: coarse), fine: FaceFinder(configuration: .init(cascadeDirectory: directory)))
            cache[directory] = finders
            return finders
        }
    }
}

/// Sharpness and exposure of the face region.
enum FaceQuality {
    static func findings(_ face: FaceFacts, image: RGBAImage, path: String) -> [Finding] {
        guard let region = crop(image, to: face.rect) else { return [] }
        var result: [Finding] = []
        let sharpness = laplacianVariance(region)
        // A face under 64 px has too few pixels to judge: the small-face warning covers it.
        if face.width >= 64, sharpness < FaceCheck.blurThreshold {
            result.append(Finding(.warn, "faces.blurry",
                                  "the face in \(path) is soft (sharpness \(Int(sharpness)), under \(Int(FaceCheck.blurThreshold))); "
                                  + "blur shows more on video. Use a sharper photo.", values: ["sharpness": .of(sharpness)]))
        }
        let (mean, dark, bright) = exposure(region)
        if mean < FaceCheck.darkMean || dark > FaceCheck.clippedShare {
            result.append(Finding(.warn, "faces.dark",
                                  "the face in \(path) is dark (mean level \(Int(mean)) of 255, \(Format.percent(dark)) near black); "
                                  + "brighten the photo or use a better-lit one.", values: ["mean": .of(mean), "dark_share": .of(dark)]))
        } else if mean > FaceCheck.brightMean || bright > FaceCheck.clippedShare {
            result.append(Finding(.warn, "faces.overexposed",
                                  "the face in \(path) is overexposed (mean level \(Int(mean)) of 255, \(Format.percent(bright)) near white); "
                                  + "detail is lost in the highlights.", values: ["mean": .of(mean), "bright_share": .of(bright)]))
        }
        return result
    }

    /// The face region in gray, scaled to 128×128 so sharpness does not depend on the photo's size.
    static func crop(_ image: RGBAImage, to rect: Rect) -> GrayImage? {
        let x = max(0, Int(rect.x)), y = max(0, Int(rect.y))
        let width = min(image.width - x, Int(rect.width)), height = min(image.height - y, Int(rect.height))
        guard width >= 16, height >= 16 else { return nil }
        let gray = GrayImage(PhotoPlan.crop(image, to: Rect(x: Double(x), y: Double(y), width: Double(width), height: Double(height))))
        return width > 128 ? gray.areaAveraged(width: 128, height: 128) : gray.resizedBilinear(width: 128, height: 128)
    }

    /// The Laplacian's variance, scaled as if the region's own standard deviation were 50 levels.
    static func laplacianVariance(_ gray: GrayImage) -> Double {
        let mean = gray.pixels.reduce(0.0) { $0 + Double($1) } / Double(gray.pixels.count)
        let variance = gray.pixels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(gray.pixels.count)
        return rawLaplacianVariance(gray) * 2500 / max(variance, 1)
    }

    static func rawLaplacianVariance(_ gray: GrayImage) -> Double {
        var sum = 0.0, squares = 0.0, count = 0.0
        let w = gray.width
        for y in 1..<(gray.height - 1) {
            for x in 1..<(w - 1) {
                let c = Double(gray.pixels[y * w + x])
                let value = Double(gray.pixels[y * w + x - 1]) + Double(gray.pixels[y * w + x + 1])
                    + Double(gray.pixels[(y - 1) * w + x]) + Double(gray.pixels[(y + 1) * w + x]) - 4 * c
                sum += value
                squares += value * value
                count += 1
            }
        }
        let mean = sum / count
        return squares / count - mean * mean
    }

    static func exposure(_ gray: GrayImage) -> (mean: Double, dark: Double, bright: Double) {
        let count = Double(gray.pixels.count)
        let mean = gray.pixels.reduce(0.0) { $0 + Double($1) } / count
        let dark = Double(gray.pixels.filter { $0 < 20 }.count) / count
        let bright = Double(gray.pixels.filter { $0 > 245 }.count) / count
        return (mean, dark, bright)
    }
}
