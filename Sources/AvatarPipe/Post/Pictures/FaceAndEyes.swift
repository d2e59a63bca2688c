import Foundation
import Synchronization

/// Finds the face in a video frame with the frontal cascade, and the eyes inside it with
/// OpenCV's haarcascade_eye (which finds open eyes far more readily than closed ones).
struct FaceAndEyes: Sendable {
    static let eyeCascadeName = "haarcascade_eye.xml"

    struct Found: Sendable {
        /// The largest face, in the frame's pixels.
        var face: PixelRect?
        /// Faces of a fair size (at least half the largest one's height).
        var faceCount: Int
        /// 0, 1 or 2: whether an eye shows in the left half and in the right half of the face;
        /// nil when the eye cascade could not be loaded.
        var eyeCount: Int?
    }

    let faces: Result<HaarCascade, CascadeError>
    let eyes: Result<HaarCascade, CascadeError>

    init(cascadeDirectory: String) {
        let frontal = FaceFinder.Configuration(cascadeDirectory: cascadeDirectory).frontalCascadePath
        let eye = URL(fileURLWithPath: cascadeDirectory).appendingPathComponent(Self.eyeCascadeName).path
        faces = Result { () throws(CascadeError) in try HaarCascade.load(frontal) }
        eyes = Result { () throws(CascadeError) in try HaarCascade.load(eye) }
    }

    private static let loaded = Mutex<[String: FaceAndEyes]>([:])

    /// One pair of cascades per directory per process: loading them costs tens of milliseconds.
    static func shared(cascadeDirectory: String) -> FaceAndEyes {
        loaded.withLock { cache in
            if let found = cache[cascadeDirectory] { return found }
            let made = FaceAndEyes(cascadeDirectory: cascadeDirectory)
            cache[cascadeDirectory] = made
            return made
        }
    }

    /// Why faces cannot be searched for, or nil.
    var unavailableReason: String? {
        if case .failure(let error) = faces { return "face detection is unavailable: \(error.description)" }
        return nil
    }

    var eyesUnavailableReason: String? {
        if case .failure(let error) = eyes { return "eye detection is unavailable: \(error.description)" }
        return nil
    }

    /// Nil when the face cascade is unavailable.
    func search(_ gray: GrayImage) -> Found? {
        guard case .success(let cascade) = faces else { return nil }
        // A talking head fills much of the frame: skipping the small scales saves most of the work.
        let side = max(cascade.windowWidth, gray.height / 8)
        let options = FaceDetector.Options(minNeighbors: 3, minSize: PixelSize(width: side, height: side))
        let found = FaceDetector(cascade: cascade).detect(in: gray, options: options).map(\.rect)
        guard let largest = found.max(by: { $0.area < $1.area }) else {
            return Found(face: nil, faceCount: 0, eyeCount: eyeCascadeLoaded ? 0 : nil)
        }
        let count = found.filter { $0.height * 2 >= largest.height }.count
        return Found(face: largest, faceCount: count, eyeCount: eyeCount(in: gray, face: largest))
    }

    private var eyeCascadeLoaded: Bool {
        if case .success = eyes { return true }
        return false
    }

    /// Eyes in the band of the face where they sit, scaled so the face is 200 px wide (eyes
    /// of about 45 px, comfortably over the cascade's 20 px window).
    private func eyeCount(in gray: GrayImage, face: PixelRect) -> Int? {
        guard case .success(let cascade) = eyes else { return nil }
        let band = PixelRect(x: face.x, y: face.y + face.height * 15 / 100, width: face.width, height: face.height * 45 / 100)
        let region = gray.cropped(to: band)
        guard region.width >= 8, region.height >= 8 else { return 0 }
        let scale = 200.0 / Double(region.width)
        let scaled = region.resizedBilinear(width: 200, height: max(8, Int((Double(region.height) * scale).rounded())))
        let options = FaceDetector.Options(minNeighbors: 3, minSize: PixelSize(width: 20, height: 20),
                                           maxSize: PixelSize(width: 90, height: 90), parallel: false)
        let hits = FaceDetector(cascade: cascade).detect(in: scaled, options: options).map(\.rect)
        let left = hits.contains { $0.x + $0.width / 2 < scaled.width / 2 }
        let right = hits.contains { $0.x + $0.width / 2 >= scaled.width / 2 }
        return (left ? 1 : 0) + (right ? 1 : 0)
    }
}
