import AvatarMedia
import Foundation

public enum FaceKind: String, Codable, Sendable {
    /// Found by the frontal cascade: the face looks at the camera.
    case frontal
    /// Found only by the profile cascade: the face is turned to one side.
    case profile
}

/// A face in photo pixels, with the number of raw detections merged into it (more is surer).
public struct FaceBox: Codable, Sendable, Equatable {
    public var rect: Rect
    public var neighbors: Int
    public var kind: FaceKind

    public init(rect: Rect, neighbors: Int, kind: FaceKind) {
        self.rect = rect
        self.neighbors = neighbors
        self.kind = kind
    }
}

/// What a face search found, or why it could not run.
public struct FaceSearch: Sendable {
    /// Largest first.
    public var faces: [FaceBox]
    /// Set when the frontal cascade could not be loaded: no search ran, `faces` is empty.
    public var cascadeError: CascadeError?
    /// Set when the profile pass was needed (no frontal face) but its cascade could not be loaded.
    public var profileCascadeError: CascadeError?
    /// The size of the copy the detector worked on.
    public var workingSize: PixelSize
    /// Time spent converting, downscaling and detecting (not decoding or loading cascades).
    public var seconds: Double

    /// Why face detection is unavailable, in words for a warning; nil when it ran.
    public var unavailableReason: String? {
        cascadeError.map { "face detection is unavailable: \($0.description)" }
    }
}

/// Finds faces in a photo the way the preflight needs: the frontal cascade
/// (haarcascade_frontalface_alt2, which reports fewer false faces on portraits than _default)
/// on a gray copy of at most `maxWorkingSize` pixels a side; when it finds nothing, the
/// profile cascade on the copy and on its mirror image (the cascade knows faces turned one
/// way only), so that a face in profile is told apart from no face at all.
public struct FaceFinder: Sendable {
    public static let frontalCascadeName = "haarcascade_frontalface_alt2.xml"
    public static let profileCascadeName = "haarcascade_profileface.xml"
    public static let defaultCascadeDirectory = "/usr/share/opencv4/haarcascades"

    /// `AVATARPIPE_CASCADES` when set, else where Debian's opencv-data puts the cascades.
    public static func cascadeDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let directory = environment["AVATARPIPE_CASCADES"], !directory.isEmpty { return directory }
        return defaultCascadeDirectory
    }

    public struct Configuration: Sendable {
        public var frontalCascadePath: String
        /// Nil: no profile pass.
        public var profileCascadePath: String?
        public var scaleFactor: Double = 1.1
        public var minNeighbors: Int = 3
        /// The smallest face to look for, in photo pixels (0: the cascade's window).
        public var minFaceSize: Int = 0
        /// The long side of the working copy; 0 works on the photo at full size.
        public var maxWorkingSize: Int = 1024

        /// Both cascades from one directory.
        public init(cascadeDirectory: String = FaceFinder.cascadeDirectory()) {
            let directory = URL(fileURLWithPath: cascadeDirectory)
            frontalCascadePath = directory.appendingPathComponent(FaceFinder.frontalCascadeName).path
            profileCascadePath = directory.appendingPathComponent(FaceFinder.profileCascadeName).path
        }

        /// One cascade file alone; its boxes are reported as frontal.
        public init(cascadePath: String) {
            frontalCascadePath = cascadePath
            profileCascadePath = nil
        }
    }

    public let configuration: Configuration
    private let frontal: Result<HaarCascade, CascadeError>
    private let profile: LazyCascade?

    /// Loads the frontal cascade. A missing or damaged file is not thrown: every search then
    /// reports it, so the caller can warn and go on with the other checks. The profile cascade
    /// is loaded on first need, since most photos have a frontal face.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        frontal = Result { () throws(CascadeError) in try HaarCascade.load(configuration.frontalCascadePath) }
        profile = configuration.profileCascadePath.map(LazyCascade.init)
    }

    /// The cascade error that makes every search unavailable, if any.
    public var cascadeError: CascadeError? {
        if case .failure(let error) = frontal { return error }
        return nil
    }

    /// Searches off the cooperative pool: detection takes tens to hundreds of milliseconds.
    public func find(in image: RGBAImage) async -> FaceSearch {
        let finder = self
        return (try? await Offload.run { finder.find(in: image) })
            ?? FaceSearch(faces: [], workingSize: .zero, seconds: 0)
    }

    public func find(in image: RGBAImage) -> FaceSearch {
        let started = ContinuousClock.now
        var search = FaceSearch(faces: [], workingSize: .zero, seconds: 0)
        switch frontal {
        case .failure(let error):
            search.cascadeError = error
        case .success(let cascade):
            search = find(in: image, frontal: cascade)
        }
        let elapsed = ContinuousClock.now - started
        search.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return search
    }

    private func find(in image: RGBAImage, frontal: HaarCascade) -> FaceSearch {
        let working = GrayImage(image).fitting(maxSide: configuration.maxWorkingSize)
        var search = FaceSearch(faces: [], workingSize: PixelSize(width: working.width, height: working.height), seconds: 0)
        let toPhoto = (x: Double(image.width) / Double(working.width), y: Double(image.height) / Double(working.height))
        let options = detectorOptions(workingScale: 1 / toPhoto.x)
        var found = FaceDetector(cascade: frontal).detect(in: working, options: options).map { ($0, FaceKind.frontal) }
        if found.isEmpty, let profile {
            switch profile.cascade {
            case .success(let cascade):
                found = profiles(in: working, cascade: cascade, options: options).map { ($0, FaceKind.profile) }
            case .failure(let error):
                search.profileCascadeError = error
            }
        }
        search.faces = found.map { detection, kind in
            let r = detection.rect
            return FaceBox(rect: Rect(x: Double(r.x) * toPhoto.x, y: Double(r.y) * toPhoto.y,
                                      width: Double(r.width) * toPhoto.x, height: Double(r.height) * toPhoto.y),
                           neighbors: detection.neighbors, kind: kind)
        }
        .sorted { $0.rect.area > $1.rect.area }
        return search
    }

    private func detectorOptions(workingScale: Double) -> FaceDetector.Options {
        let side = Int((Double(configuration.minFaceSize) * workingScale).rounded())
        return FaceDetector.Options(scaleFactor: configuration.scaleFactor, minNeighbors: configuration.minNeighbors,
                                    minSize: PixelSize(width: side, height: side))
    }

    /// Profile faces turned either way: the cascade on the image and on its mirror image, the
    /// latter's boxes mirrored back. A face both passes see is kept once, from the surer pass.
    private func profiles(in image: GrayImage, cascade: HaarCascade, options: FaceDetector.Options) -> [FaceDetector.Detection] {
        let detector = FaceDetector(cascade: cascade)
        let oneWay = detector.detect(in: image, options: options)
        let otherWay = detector.detect(in: image.mirrored(), options: options).map { detection in
            var mirrored = detection
            mirrored.rect.x = image.width - detection.rect.maxX
            return mirrored
        }
        var kept: [FaceDetector.Detection] = []
        for candidate in (oneWay + otherWay).sorted(by: { $0.neighbors > $1.neighbors }) {
            let seen = kept.contains { $0.rect.overlap(candidate.rect) > 0.3 }
            if !seen { kept.append(candidate) }
        }
        return kept
    }
}

/// A cascade read from its file the first time it is asked for, then kept.
private final class LazyCascade: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var loaded: Result<HaarCascade, CascadeError>?

    init(path: String) { self.path = path }

    var cascade: Result<HaarCascade, CascadeError> {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let result = Result { () throws(CascadeError) in try HaarCascade.load(path) }
        loaded = result
        return result
    }
}
