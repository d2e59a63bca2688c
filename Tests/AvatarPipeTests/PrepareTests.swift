import AvatarMedia
import AvatarPipe
import Foundation
import Testing
import TestSupport

/// Preparation: what changes, what the prepared files are (judged by ffprobe), and reuse.
@Suite struct PrepareTests {
    func checked(photo: String = Fixtures.photo, audio: String? = nil) async -> Preflight.Result {
        await Preflight.run(PreflightRequest(photoPath: photo, audioPath: audio))
    }

    func prepare(photo: String = Fixtures.photo, audio: String? = nil, options: PreparationOptions = PreparationOptions(),
                 in job: TemporaryDirectory) async throws -> PreparationResult {
        try await Preparation.run(await checked(photo: photo, audio: audio), options: options, jobDirectory: job.path)
    }

    @Test func goodInputsAreCopiedAsTheyAre() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let result = try await prepare(audio: Fixtures.speech, in: job)
        let photo = try #require(result.photo), audio = try #require(result.audio)
        #expect(photo.changes.isEmpty && audio.changes.isEmpty)
        #expect(photo.sha256 == (try FileHash.sha256(ofFile: Fixtures.photo)))
        #expect(audio.sha256 == (try FileHash.sha256(ofFile: Fixtures.speech)))
        #expect(photo.path.hasPrefix(job.path + "/input/photo-") && photo.path.hasSuffix(".png"))
    }

    @Test func secondRunReusesTheFiles() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let first = try await prepare(photo: Fixtures.generated("photo.webp"), audio: Fixtures.generated("speech.flac"), in: job)
        let second = try await prepare(photo: Fixtures.generated("photo.webp"), audio: Fixtures.generated("speech.flac"), in: job)
        #expect(first.photo?.reused == false && second.photo?.reused == true)
        #expect(first.audio?.reused == false && second.audio?.reused == true)
        #expect(first.photo?.path == second.photo?.path && first.audio?.sha256 == second.audio?.sha256)
        let files = try FileManager.default.contentsOfDirectory(atPath: job.path + "/input")
        #expect(files.count == 2, "\(files)")
    }

    @Test func webpBecomesPNGAndJPEGStaysJPEG() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let webp = try #require(try await prepare(photo: Fixtures.generated("photo.webp"), in: job).photo)
        #expect(webp.path.hasSuffix(".png"))
        #expect(Judge.probeValue(webp.path, entry: "stream=codec_name") == "png")
        #expect(webp.changes.contains { $0.contains("converted WEBP to PNG") })
        let misnamed = try #require(try await prepare(photo: Fixtures.generated("photo-jpeg-named.png"), in: job).photo)
        #expect(misnamed.path.hasSuffix(".jpg"), "the prepared copy carries the right extension")
    }

    @Test func largePhotoIsDownscaledAndRotatedPhotoMadeUpright() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let large = try #require(try await prepare(photo: Fixtures.generated("photo-2400.png"), in: job).photo)
        #expect(Judge.probeValue(large.path, entry: "stream=width") == "2000")
        let rotated = try #require(try await prepare(photo: Fixtures.generated("halves-exif6.jpg"), in: job).photo)
        #expect(Judge.probeValue(rotated.path, entry: "stream=width") == "480")
        let image = try ImageDecoder.decode(rotated.path)
        #expect(image.header.orientation == 1)
        #expect(image.image.pixel(x: 240, y: 100).r > 200, "red on top, baked in")
    }

    @Test func transparencyIsFlattenedOntoTheBackground() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        var options = PreparationOptions()
        options.photo.background = RGBColor(r: 0, g: 0, b: 255)
        let flat = try #require(try await prepare(photo: Fixtures.generated("photo-rgba.png"), options: options, in: job).photo)
        let image = try ImageDecoder.decode(flat.path)
        #expect(!image.hasAlphaChannel)
        let left = image.image.pixel(x: 20, y: 200)
        #expect(left.b == 255 && left.r == 0, "the transparent left band is now the background colour")
    }

    @Test func reframeCropsToTheOrientationAroundTheFace() throws {
        let face = Rect(x: 180, y: 80, width: 100, height: 100)
        let crop = try Reframe.crop(photoWidth: 1000, photoHeight: 1000, face: face, orientation: .landscape).get()
        #expect(abs(crop.width / crop.height - 16.0 / 9) < 0.01)
        #expect(crop.x == 0 && crop.y == 0, "clamped to the photo")
        #expect(Rect(x: crop.x, y: crop.y, width: crop.width, height: crop.height).contains(face))
        let small = Reframe.crop(photoWidth: 600, photoHeight: 800, face: face, orientation: .landscape)
        #expect((try? small.get()) == nil, "a 16:9 crop of 600×800 would be under 512 px high")
    }

    @Test func sixChannelFLACBecomesStereoWAV() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let six = try #require(try await prepare(audio: Fixtures.generated("speech-6ch.wav"), in: job).audio)
        #expect(Judge.probeValue(six.path, entry: "stream=channels") == "2")
        #expect(Judge.probeValue(six.path, entry: "stream=codec_name") == "pcm_s16le")
        let flac = try #require(try await prepare(audio: Fixtures.generated("speech.flac"), in: job).audio)
        #expect(flac.path.hasSuffix(".wav"))
        #expect(Judge.probeValue(flac.path, entry: "stream=sample_rate") == "48000")
        #expect(flac.changes.contains { $0.contains("converted FLAC") })
    }

    @Test func trimAndNormalise() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        var options = PreparationOptions()
        options.audio.trimSilenceMargin = 0.3
        options.audio.loudnessTarget = -16
        let audio = try #require(try await prepare(audio: Fixtures.generated("speech-padded.wav"), options: options, in: job).audio)
        let duration = try #require(Double(Judge.probeValue(audio.path, entry: "format=duration")))
        let speech = try #require(Double(Judge.probeValue(Fixtures.speech, entry: "format=duration")))
        // 4 s of silence on each side, cut to 0.3 s (plus the speech file's own short edges).
        #expect(duration > speech && duration < speech + 1.2, "duration \(duration)")
        let loudness = try #require(Judge.ebur128Integrated(audio.path))
        #expect(abs(loudness - (-16)) < 0.6, "ebur128 reads \(loudness)")
    }

    @Test func mp3OutputWhenAsked() async throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        var options = PreparationOptions()
        options.audio.container = .mp3
        let audio = try #require(try await prepare(audio: Fixtures.generated("speech.ogg"), options: options, in: job).audio)
        #expect(audio.path.hasSuffix(".mp3"))
        #expect(Judge.probeValue(audio.path, entry: "stream=codec_name") == "mp3")
    }
}
