@testable import AvatarPipe
import AvatarMedia
import Foundation
import Testing
import TestSupport

/// The Haar cascade reader, the detector (checked against numbers OpenCV 4.14 produced for
/// the same inputs) and FaceFinder on the committed and generated photos.
@Suite struct FaceDetectorTests {
    static let cascades = FaceFinder.defaultCascadeDirectory
    static func cascadePath(_ name: String) -> String { "\(cascades)/\(name)" }

    func gray(_ path: String) throws -> GrayImage {
        GrayImage(try ImageDecoder.decode(path).image)
    }

    func find(_ path: String, _ configuration: FaceFinder.Configuration = .init(cascadeDirectory: cascades)) throws -> FaceSearch {
        FaceFinder(configuration: configuration).find(in: try ImageDecoder.decode(path).image)
    }

    // MARK: - Cascade files

    @Test(arguments: [
        ("haarcascade_frontalface_alt2.xml", 20, 20, 20, false),
        ("haarcascade_frontalface_default.xml", 24, 24, 25, true),
        ("haarcascade_profileface.xml", 20, 20, 26, true),
    ])
    func readsOpenCVCascades(name: String, width: Int, height: Int, stages: Int, stumps: Bool) throws {
        let cascade = try HaarCascade.load(Self.cascadePath(name))
        #expect(cascade.windowWidth == width && cascade.windowHeight == height)
        #expect(cascade.stageCount == stages)
        #expect(cascade.isStumpBased == stumps)
        #expect(cascade.featureCount > 0)
    }

    @Test func truncatedCascadeIsATypedErrorNamingTheFile() throws {
        let directory = TemporaryDirectory("cascade")
        defer { directory.remove() }
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.cascadePath(FaceFinder.frontalCascadeName)))
        let path = directory.file(FaceFinder.frontalCascadeName)
        try original.prefix(original.count / 3).write(to: URL(fileURLWithPath: path))

        let error = try #require(throws: CascadeError.self) { try HaarCascade.load(path) }
        #expect(error.kind == .malformed)
        #expect(error.description.contains(path))
        #expect(error.description.contains("truncated"))

        // FaceFinder reports it instead of throwing, so the preflight can warn and go on.
        let search = try find(Fixtures.photo, .init(cascadeDirectory: directory.path))
        #expect(search.faces.isEmpty)
        #expect(search.cascadeError?.kind == .malformed)
        #expect(search.unavailableReason?.contains(path) == true)
    }

    @Test func missingCascadeDirectoryMakesDetectionUnavailable() throws {
        let search = try find(Fixtures.photo, .init(cascadeDirectory: "/nonexistent/cascades"))
        #expect(search.faces.isEmpty)
        #expect(search.cascadeError?.kind == .notFound)
        #expect(search.unavailableReason?.contains("/nonexistent/cascades/\(FaceFinder.frontalCascadeName)") == true)
    }

    @Test func missingProfileCascadeIsReportedOnlyWhenNeeded() throws {
        var configuration = FaceFinder.Configuration(cascadeDirectory: Self.cascades)
        configuration.profileCascadePath = "/nonexistent/profile.xml"
        let finder = FaceFinder(configuration: configuration)
        let withFace = finder.find(in: try ImageDecoder.decode(Fixtures.photo).image)
        #expect(withFace.faces.count == 1 && withFace.profileCascadeError == nil)
        let withoutFace = finder.find(in: try ImageDecoder.decode(Fixtures.committed("coffee.png")).image)
        #expect(withoutFace.faces.isEmpty && withoutFace.cascadeError == nil)
        #expect(withoutFace.profileCascadeError?.kind == .notFound)
    }

    @Test func cascadeDirectoryComesFromTheEnvironment() {
        #expect(FaceFinder.cascadeDirectory(environment: ["AVATARPIPE_CASCADES": "/opt/cascades"]) == "/opt/cascades")
        #expect(FaceFinder.cascadeDirectory(environment: [:]) == FaceFinder.defaultCascadeDirectory)
    }

    @Test func tiltedFeaturesAreRefusedClearly() throws {
        let path = Self.cascadePath("haarcascade_eye_tree_eyeglasses.xml")
        let error = try #require(throws: CascadeError.self) { try HaarCascade.load(path) }
        #expect(error.kind == .unsupported)
        #expect(error.description.contains("tilted"))
    }

    @Test(arguments: [
        ("<opencv_storage><cascade><stageType>BOOST</stageType><featureType>LBP</featureType></cascade></opencv_storage>",
         CascadeError.Kind.unsupported, "LBP"),
        ("<opencv_storage><old type_id=\"opencv-haar-classifier\"><size>20 20</size></old></opencv_storage>",
         .unsupported, "old-format"),
        ("<storage/>", .malformed, "not an OpenCV cascade"),
        ("<opencv_storage><cascade></cascades></opencv_storage>", .malformed, "</cascades> closes <cascade>"),
        ("not xml at all", .malformed, "no XML element"),
        (HaarXML.cascade(nodes: "0 -1 7 0.5", features: HaarXML.feature), .malformed, "uses feature 7 of 1"),
        (HaarXML.cascade(nodes: "0 -1 0 0.5", features: "<_><rects><_>0 0 30 4 -1.</_></rects></_>"), .malformed, "outside the 20×20 window"),
        (HaarXML.cascade(nodes: "0 -5 0 0.5", features: HaarXML.feature), .malformed, "leaf 5"),
        (HaarXML.cascade(nodes: "0 -1 0 x", features: HaarXML.feature), .malformed, "expected a number"),
    ])
    func badCascadeText(xml: String, kind: CascadeError.Kind, message: String) throws {
        let error = try #require(throws: CascadeError.self) { try HaarCascade(xml: Array(xml.utf8), path: "test.xml") }
        #expect(error.kind == kind)
        #expect(error.description.hasPrefix("test.xml: "))
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func smallestValidCascadeLoads() throws {
        let cascade = try HaarCascade(xml: Array(HaarXML.cascade(nodes: "0 -1 0 0.5", features: HaarXML.feature).utf8), path: "t.xml")
        #expect(cascade.stageCount == 1 && cascade.isStumpBased)
    }

    // MARK: - Pixels as OpenCV computes them

    @Test func grayUsesOpenCVsWeights() {
        let image = RGBAImage(width: 3, height: 1, pixels: [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 0])
        // cv2.cvtColor(..., COLOR_RGB2GRAY) of pure red, green and blue.
        #expect(GrayImage(image).pixels == [76, 150, 29])
    }

    @Test func bilinearResizeIsBitExactWithOpenCV() {
        var pixels: [UInt8] = []
        for y in 0..<7 {
            for x in 0..<9 { pixels.append(UInt8((x * 37 + y * 59 + x * y * 11) % 256)) }
        }
        let source = GrayImage(width: 9, height: 7, pixels: pixels)
        // cv2.resize(source, (w, h), interpolation=cv2.INTER_LINEAR_EXACT), OpenCV 4.14.
        let small: [UInt8] = [67, 167, 96, 110, 221, 122, 24, 181, 118, 99, 186, 103]
        let larger: [UInt8] = [22, 80, 139, 160, 154, 59, 108, 190, 118, 123, 141, 108, 195, 108, 149,
                               62, 103, 208, 140, 153, 141, 153, 141, 77, 111, 109, 158, 155, 153, 112]
        #expect(source.resizedBilinear(width: 4, height: 3).pixels == small)
        #expect(source.resizedBilinear(width: 6, height: 5).pixels == larger)
    }

    @Test func mirroringAndAreaDownscaling() {
        let image = GrayImage(width: 4, height: 2, pixels: [0, 10, 20, 30, 40, 50, 60, 70])
        #expect(image.mirrored().pixels == [30, 20, 10, 0, 70, 60, 50, 40])
        #expect(image.areaAveraged(width: 2, height: 1).pixels == [25, 45])
        #expect(image.fitting(maxSide: 2) == image.areaAveraged(width: 2, height: 1))
        #expect(image.fitting(maxSide: 0) == image)
    }

    // MARK: - Detection, compared with OpenCV

    @Test func sameHitsAndBoxAsOpenCV() throws {
        let detector = FaceDetector(cascade: try HaarCascade.load(Self.cascadePath(FaceFinder.frontalCascadeName)))
        let image = try gray(Fixtures.photo)
        // CascadeClassifier(alt2).detectMultiScale2(gray, 1.1, n) with opencv-python 4.14.
        #expect(detector.detect(in: image, options: .init(minNeighbors: 0)).count == 43)
        let faces = detector.detect(in: image)
        #expect(faces == [FaceDetector.Detection(rect: PixelRect(x: 177, y: 66, width: 97, height: 97), neighbors: 36)])
        // Scanning one level at a time gives the same answer as scanning them concurrently.
        #expect(detector.detect(in: image, options: .init(parallel: false)) == faces)
    }

    @Test func sizeLimitsNarrowTheSearch() throws {
        let detector = FaceDetector(cascade: try HaarCascade.load(Self.cascadePath(FaceFinder.frontalCascadeName)))
        let image = try gray(Fixtures.photo)
        #expect(detector.detect(in: image, options: .init(minSize: PixelSize(width: 150, height: 150))).isEmpty)
        #expect(detector.detect(in: image, options: .init(maxSize: PixelSize(width: 60, height: 60))).isEmpty)
        #expect(detector.detect(in: image, options: .init(minSize: PixelSize(width: 80, height: 80))).count == 1)
    }

    @Test func groupingKeepsClustersWithEnoughHits() {
        let cluster = (0..<5).map { PixelRect(x: 100 + $0, y: 50, width: 40, height: 40) }
        let lone = PixelRect(x: 300, y: 300, width: 40, height: 40)
        let groups = RectangleGrouping.group(cluster + [lone], threshold: 3, eps: 0.2)
        #expect(groups.count == 1)
        #expect(groups.first?.rect == PixelRect(x: 102, y: 50, width: 40, height: 40))
        #expect(groups.first?.hits == 5)
        #expect(RectangleGrouping.group(cluster + [lone], threshold: 0, eps: 0.2).count == 6)
    }

    // MARK: - FaceFinder on photos

    /// Where the astronaut's face is in the 512×512 photo.
    static let astronautFace = Rect(x: 175, y: 75, width: 100, height: 110)

    func overlap(_ a: Rect, _ b: Rect) -> Double {
        let w = max(0, min(a.maxX, b.maxX) - max(a.x, b.x)), h = max(0, min(a.maxY, b.maxY) - max(a.y, b.y))
        return w * h / (a.area + b.area - w * h)
    }

    @Test func astronautHasOneFrontalFace() throws {
        let search = try find(Fixtures.photo)
        #expect(search.cascadeError == nil)
        #expect(search.faces.count == 1)
        let face = try #require(search.faces.first)
        #expect(face.kind == .frontal)
        #expect(overlap(face.rect, Self.astronautFace) > 0.6, "\(face.rect)")
        #expect(search.workingSize == PixelSize(width: 512, height: 512))
    }

    @Test(arguments: ["coffee.png", "chelsea.png"])
    func noHumanFace(name: String) throws {
        let search = try find(Fixtures.committed(name))
        #expect(search.cascadeError == nil)
        #expect(search.faces.isEmpty, "\(search.faces)")
    }

    @Test func blackImageHasNoFace() throws {
        #expect(try find(Fixtures.generated("black.png")).faces.isEmpty)
    }

    @Test func twoPeopleSideBySide() throws {
        let faces = try find(Fixtures.generated("two-people.png")).faces
        #expect(faces.count == 2)
        let left = Self.astronautFace, right = Rect(x: left.x + 512, y: left.y, width: left.width, height: left.height)
        #expect(faces.contains { overlap($0.rect, left) > 0.6 })
        #expect(faces.contains { overlap($0.rect, right) > 0.6 })
    }

    @Test func smallFaceInABigFrame() throws {
        let faces = try find(Fixtures.generated("face-3pct.png")).faces
        #expect(faces.count == 1)
        // The photo was scaled to 150 px and placed at (700, 80) in a 1000×1000 frame.
        let face = try #require(faces.first)
        let expected = Rect(x: 700 + 175 * 150 / 512.0, y: 80 + 75 * 150 / 512.0, width: 100 * 150 / 512.0, height: 110 * 150 / 512.0)
        #expect(overlap(face.rect, expected) > 0.5, "\(face.rect)")
        #expect(face.rect.width < 50)
    }

    @Test(arguments: ["photo-gray.png", "photo-rgba.png", "photo-exif6.jpg"])
    func oneFaceWhateverTheStorage(name: String) throws {
        let faces = try find(Fixtures.generated(name)).faces
        #expect(faces.count == 1)
        // The EXIF-rotated JPEG is decoded upright, so the face is where it is in the original.
        #expect(faces.allSatisfy { overlap($0.rect, Self.astronautFace) > 0.6 }, "\(faces)")
    }

    @Test func boxesAreMappedBackFromTheWorkingCopy() throws {
        let full = try find(Fixtures.generated("photo-1024.png"))
        #expect(full.workingSize == PixelSize(width: 1024, height: 1024))
        #expect(full.faces.count == 1)

        var configuration = FaceFinder.Configuration(cascadeDirectory: Self.cascades)
        configuration.maxWorkingSize = 512
        let reduced = try find(Fixtures.generated("photo-1024.png"), configuration)
        #expect(reduced.workingSize == PixelSize(width: 512, height: 512))
        let face = try #require(reduced.faces.first)
        let doubled = Rect(x: 350, y: 150, width: 200, height: 220)
        #expect(overlap(face.rect, doubled) > 0.6, "\(face.rect)")
    }

    /// The astronaut's face is turned a little: the profile cascade finds it too (OpenCV:
    /// 216, 74, 73×73 with 4 hits), and on the mirror image only the mirrored pass can. With a
    /// "frontal" cascade that finds nothing here (the cat-face one), FaceFinder must fall back
    /// to the profile pass and say so.
    @Test(arguments: [false, true])
    func profileFaceIsToldApartFromNoFace(mirrored: Bool) throws {
        var image = try ImageDecoder.decode(Fixtures.photo).image
        if mirrored { image = Self.mirror(image) }
        var configuration = FaceFinder.Configuration(cascadeDirectory: Self.cascades)
        configuration.frontalCascadePath = Self.cascadePath("haarcascade_frontalcatface.xml")
        let search = FaceFinder(configuration: configuration).find(in: image)
        #expect(search.faces.count == 1)
        let face = try #require(search.faces.first)
        #expect(face.kind == .profile)
        let x = mirrored ? 512 - 216 - 73 : 216
        #expect(face.rect == Rect(x: Double(x), y: 74, width: 73, height: 73))
        #expect(face.neighbors == 4)
    }

    static func mirror(_ image: RGBAImage) -> RGBAImage {
        var pixels = image.pixels
        for y in 0..<image.height {
            for x in 0..<image.width {
                let from = (y * image.width + image.width - 1 - x) * 4, to = (y * image.width + x) * 4
                for c in 0..<4 { pixels[to + c] = image.pixels[from + c] }
            }
        }
        return RGBAImage(width: image.width, height: image.height, pixels: pixels)
    }
}

/// Small cascade documents for the parser's error paths.
enum HaarXML {
    static let feature = "<_><rects><_>0 0 4 4 -1.</_><_>0 0 2 4 2.</_></rects></_>"

    static func cascade(nodes: String, features: String) -> String {
        """
        <?xml version="1.0"?>
        <!-- a comment -->
        <opencv_storage>
        <cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
          <featureType>HAAR</featureType><height>20</height><width>20</width>
          <featureParams><maxCatCount>0</maxCatCount></featureParams>
          <stageNum>1</stageNum>
          <stages><_><stageThreshold>-1.</stageThreshold><weakClassifiers>
            <_><internalNodes>\(nodes)</internalNodes><leafValues>-0.5 0.5</leafValues></_>
          </weakClassifiers></_></stages>
          <features>\(features)</features>
        </cascade>
        </opencv_storage>
        """
    }
}
