import AvatarPipe
import Foundation
import Testing
import TestSupport

/// The checks on every bad input the foundation issue lists: code, level, exit code, and a
/// message that names the file.
@Suite struct PreflightTests {
    func check(photo: String = Fixtures.photo, audio: String? = nil, script: ScriptInput? = nil, voice: String? = nil,
               orientation: Orientation = .landscape, fit: Fit = .cover) async -> PreflightReport {
        await Preflight.run(PreflightRequest(photoPath: photo, audioPath: audio, script: script, voice: voice,
                                             orientation: orientation, fit: fit)).report
    }

    func finding(_ report: PreflightReport, _ code: String) -> Finding? {
        report.findings.first { $0.code == code }
    }

    @Test func fixturesAreReady() async throws {
        let report = await check(audio: Fixtures.speech, script: ScriptInput(text: "Hello there."))
        #expect(report.verdict != .block)
        #expect(report.exitCode == 0)
        #expect(report.photo?.width == 512)
        #expect(report.audio?.sampleRate == 22050)
        #expect(abs((report.audio?.duration ?? 0) - 12.308) < 0.01)
        #expect(report.cost.estimateUsd == 2.216)
        #expect(report.findings.last?.code == "cost.estimate")
    }

    @Test(arguments: [
        ("missing.png", "photo.unreadable", Int32(2)),
        ("empty.png", "photo.unreadable", 2),
        ("text.png", "photo.unreadable", 2),
        ("speech.mp3", "photo.unreadable", 2),
        ("photo-truncated.png", "photo.truncated", 3),
        ("photo-truncated.jpg", "photo.truncated", 3),
        ("photo-bomb.png", "photo.too_large", 3),
        ("photo-200.png", "photo.too_small", 3),
    ])
    func badPhotos(file: String, code: String, exitCode: Int32) async throws {
        let path = file == "missing.png" ? "/nonexistent/missing.png" : Fixtures.generated(file)
        let report = await check(photo: path)
        let found = try #require(finding(report, code), "no \(code) in \(report.findings.map(\.code))")
        #expect(found.level == .block)
        #expect(found.message.contains(path))
        #expect(report.exitCode == exitCode)
    }

    @Test func directoryIsNotAPhoto() async throws {
        let report = await check(photo: Fixtures.root.path)
        let found = try #require(finding(report, "photo.unreadable"))
        #expect(found.message.contains("directory"))
        #expect(report.exitCode == 2)
    }

    @Test(arguments: [
        ("photo-jpeg-named.png", "photo.extension_mismatch"),
        ("photo.webp", "photo.format_converted"),
        ("photo-2400.png", "photo.downscaled"),
        ("photo-rgba.png", "photo.transparency"),
        ("photo-gray.png", "photo.grayscale"),
        ("halves-exif6.jpg", "photo.exif_rotated"),
    ])
    func photoWarnings(file: String, code: String) async throws {
        let report = await check(photo: Fixtures.generated(file))
        let found = try #require(finding(report, code), "no \(code) in \(report.findings.map(\.code))")
        #expect(found.level == .warn)
    }

    @Test func exifRotatedPhotoReportsDisplayedSize() async throws {
        let report = await check(photo: Fixtures.generated("halves-exif6.jpg"))
        #expect(report.photo?.width == 480 && report.photo?.height == 640)
    }

    @Test(arguments: [
        ("missing.wav", "audio.unreadable", Int32(2), Level.block),
        ("empty.wav", "audio.unreadable", 2, .block),
        ("text.wav", "audio.unreadable", 2, .block),
        ("photo.jpg", "audio.unreadable", 2, .block),
        ("speech-11min.wav", "audio.too_long", 3, .block),
        ("speech-0.3s.wav", "audio.too_short", 3, .block),
        ("silence.wav", "audio.silent", 3, .block),
        ("speech-truncated.wav", "audio.truncated", 3, .block),
        ("speech-6ch.wav", "audio.many_channels", 0, .warn),
        ("speech-8k.wav", "audio.low_sample_rate", 0, .warn),
        ("speech.flac", "audio.format_converted", 0, .warn),
        ("speech.ogg", "audio.format_converted", 0, .warn),
        ("speech-mp3-named.wav", "audio.extension_mismatch", 0, .warn),
        ("speech-clipped.wav", "audio.clipping", 0, .warn),
        ("speech-padded.wav", "audio.leading_silence", 0, .warn),
        ("speech-padded.wav", "audio.trailing_silence", 0, .warn),
        ("speech-quiet.wav", "audio.quiet", 0, .warn),
    ])
    func audioFindings(file: String, code: String, exitCode: Int32, level: Level) async throws {
        let path = file == "missing.wav" ? "/nonexistent/missing.wav" : Fixtures.generated(file)
        let report = await check(audio: path)
        let found = try #require(finding(report, code), "no \(code) in \(report.findings.map(\.code))")
        #expect(found.level == level)
        #expect(found.message.contains(path))
        #expect(report.exitCode == exitCode)
    }

    @Test func paddedSpeechMeasuresItsSilence() async throws {
        let report = await check(audio: Fixtures.generated("speech-padded.wav"))
        let audio = try #require(report.audio)
        // 4 s of digital silence was put before and after the speech.
        #expect(abs((audio.leadingSilence ?? 0) - 4.0) < 0.1)
        #expect(abs((audio.trailingSilence ?? 0) - 4.4) < 0.2)
    }

    @Test func mp3IsAccepted() async throws {
        let report = await check(audio: Fixtures.generated("speech.mp3"))
        #expect(finding(report, "audio.format")?.level == .ok)
        #expect(report.audio?.codec == "mp3")
    }

    @Test func pathsWithSpacesAndNonASCII() async throws {
        let photo = Fixtures.generated("path with spaces/phötö ü.png")
        let audio = Fixtures.generated("path with spaces/spëech ü.wav")
        let report = await check(photo: photo, audio: audio)
        #expect(report.exitCode == 0)
        #expect(report.photo?.path == photo && report.audio?.path == audio)
    }

    @Test func scriptRules() async throws {
        let empty = await check(script: ScriptInput(text: "  \n"))
        #expect(finding(empty, "script.empty")?.level == .block)
        let long = await check(script: ScriptInput(text: String(repeating: "word ", count: 1001)))
        #expect(finding(long, "script.too_long")?.level == .block)
        let nothing = await check()
        #expect(finding(nothing, "speech.missing")?.level == .warn)
        let fine = await check(script: ScriptInput(text: "Hello, welcome to the show."))
        #expect(finding(fine, "script.length")?.level == .ok)
        #expect(fine.voice?.id == "f80e430f06b34b70b275c9c746436e37")
        #expect((fine.cost.expectedDuration ?? 0) > 1)
    }

    @Test func voices() async throws {
        let byName = await check(script: ScriptInput(text: "Hi."), voice: "nova")
        #expect(byName.voice?.id == "71b0aa6499f6458e8b040818a017db1f")
        let byID = await check(script: ScriptInput(text: "Hi."), voice: "8273E0A033074B5BB98D7CE3AB727BD9")
        #expect(byID.voice?.name == "Shimmer")
        let unknownID = await check(script: ScriptInput(text: "Hi."), voice: "0123456789abcdef0123456789abcdef")
        #expect(finding(unknownID, "voice.unknown_id")?.level == .warn)
        let unknown = await check(script: ScriptInput(text: "Hi."), voice: "Zebedee")
        #expect(finding(unknown, "voice.unknown")?.level == .block)
    }
}

@Suite struct FramingTests {
    @Test func coverOfASquarePhotoCutsTopAndBottom() {
        let plan = CropPlan(photoWidth: 1000, photoHeight: 1000, orientation: .landscape, fit: .cover)
        #expect(abs(plan.lostFraction - 0.4375) < 1e-9)
        #expect(abs(plan.cut.top - 0.21875) < 1e-9 && abs(plan.cut.bottom - 0.21875) < 1e-9)
        #expect(plan.cut.left == 0 && plan.cut.right == 0)
        #expect(abs(plan.visible.height - 562.5) < 1e-9)
    }

    @Test func containOfAPortraitPhotoPadsTheSides() {
        let plan = CropPlan(photoWidth: 600, photoHeight: 800, orientation: .landscape, fit: .contain)
        #expect(abs(plan.scale - 1.35) < 1e-9)
        #expect(abs(plan.placement.width - 810) < 1e-9)
        #expect(abs(plan.pad.left - plan.pad.right) < 1e-9)
        #expect(abs(plan.paddedFraction - (1 - 810.0 / 1920)) < 1e-9)
    }

    @Test func portraitPhotoSuggestsPortrait() async throws {
        let report = await Preflight.run(PreflightRequest(photoPath: Fixtures.generated("photo-portrait.png"))).report
        let crop = try #require(report.findings.first { $0.code == "framing.heavy_crop" })
        #expect(crop.message.contains("--orientation portrait"))
        let portrait = await Preflight.run(PreflightRequest(photoPath: Fixtures.generated("photo-portrait.png"),
                                                           orientation: .portrait)).report
        #expect(portrait.findings.first { $0.code == "framing.cover" }?.level == .ok)
        #expect(portrait.framing?.plans.count == 4)
    }

    @Test func faceBoxIsTestedAgainstTheCrop() {
        let face = Rect(x: 400, y: 50, width: 200, height: 200)
        let plan = CropPlan(photoWidth: 1000, photoHeight: 1000, orientation: .landscape, fit: .cover, head: face)
        #expect(plan.headVisible == false)
        let contained = CropPlan(photoWidth: 1000, photoHeight: 1000, orientation: .landscape, fit: .contain, head: face)
        #expect(contained.headVisible == true)
    }
}

/// The face-aware checks on the photos issue 3 lists.
@Suite struct FaceCheckTests {
    func check(_ photo: String, cascades: String? = nil, orientation: Orientation = .landscape,
               fit: Fit = .cover) async -> PreflightReport {
        var request = PreflightRequest(photoPath: photo, orientation: orientation, fit: fit)
        request.cascadeDirectory = cascades
        return await Preflight.run(request).report
    }

    func codes(_ report: PreflightReport) -> [String: Level] {
        Dictionary(report.findings.map { ($0.code, $0.level) }, uniquingKeysWith: { a, _ in a })
    }

    @Test(arguments: [
        ("astronaut", "faces.one", Level.ok),
        ("black.png", "faces.none", .block),
        ("coffee", "faces.none", .block),
        ("chelsea", "faces.none", .block),
        ("two-people.png", "faces.several", .warn),
        ("face-3pct.png", "faces.small", .warn),
        ("face-edge.png", "faces.at_edge", .warn),
        ("photo-blurred.png", "faces.blurry", .warn),
        ("photo-dark.png", "faces.dark", .warn),
        ("photo-gray.png", "faces.one", .ok),
        ("photo-rgba.png", "faces.one", .ok),
        ("photo-exif6.jpg", "faces.one", .ok),
    ])
    func faceFindings(photo: String, code: String, level: Level) async throws {
        let path = ["astronaut", "coffee", "chelsea"].contains(photo) ? Fixtures.committed(photo + ".png") : Fixtures.generated(photo)
        let report = await check(path)
        #expect(codes(report)[code] == level, "\(report.findings.map { "\($0.level) \($0.code)" })")
    }

    @Test func sharpPhotosAreNotCalledBlurryOrDark() async {
        for path in [Fixtures.photo, Fixtures.generated("photo-2400.png"), Fixtures.generated("photo.jpg")] {
            let found = codes(await check(path))
            #expect(found["faces.blurry"] == nil && found["faces.dark"] == nil && found["faces.overexposed"] == nil, "\(path)")
        }
    }

    @Test func faceIsFoundAfterEXIFRotationWhereItIsDisplayed() async throws {
        let report = await check(Fixtures.generated("photo-exif6.jpg"))
        let face = try #require(report.photo?.faces?.first)
        // Upright, the astronaut's face is near (177, 66) of the 512×512 photo.
        #expect(abs(face.x - 177) < 12 && abs(face.y - 66) < 12, "\(face)")
    }

    @Test func coverThatCutsTheHeadNamesWhatKeepsIt() async throws {
        let report = await check(Fixtures.photo)
        let cut = try #require(report.findings.first { $0.code == "framing.head_cut" })
        #expect(cut.message.contains("--fit contain"))
        #expect(report.framing?.plans.first?.headVisible == false)
        #expect(report.framing?.plans.contains { $0.fit == .contain && $0.headVisible == true } == true)
        let contained = await check(Fixtures.photo, fit: .contain)
        #expect(codes(contained)["framing.head_cut"] == nil)
    }

    @Test func missingOrCorruptCascadeWarnsAndTheRestRuns() async throws {
        let empty = TemporaryDirectory()
        defer { empty.remove() }
        let missing = await check(Fixtures.photo, cascades: empty.path)
        #expect(codes(missing)["faces.unavailable"] == .warn)
        #expect(codes(missing)["photo.size"] == .ok)
        #expect(missing.photo?.faces == nil)
        let corrupt = TemporaryDirectory()
        defer { corrupt.remove() }
        let original = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"))
        try original.prefix(original.count / 3).write(to: corrupt.url.appendingPathComponent("haarcascade_frontalface_alt2.xml"))
        let damaged = await check(Fixtures.photo, cascades: corrupt.path)
        let finding = try #require(damaged.findings.first { $0.code == "faces.unavailable" })
        #expect(finding.message.contains("haarcascade_frontalface_alt2.xml"))
        #expect(damaged.exitCode == 0)
    }
}
