import AvatarMedia
import Foundation
import Testing
import TestSupport

@Suite struct ProbeTests {
    @Test func probesSpeechWave() throws {
        let info = try MediaProbe.probe(Fixtures.speech)
        #expect(info.container == "wav")
        let audio = try #require(info.firstAudio)
        #expect(audio.codec == "pcm_s16le")
        #expect(audio.sampleRate == Int(Judge.probeValue(Fixtures.speech, entry: "stream=sample_rate")))
        #expect(audio.channels == 1)
        let judged = try #require(Double(Judge.probeValue(Fixtures.speech, entry: "format=duration")))
        #expect(abs((info.duration ?? 0) - judged) < 0.001)
        #expect(info.bytes == (try FileManager.default.attributesOfItem(atPath: Fixtures.speech)[.size] as? Int).map(Int64.init))
    }

    @Test func probesPhotoSize() throws {
        let info = try MediaProbe.probe(Fixtures.photo)
        #expect(info.container == "png_pipe")
        let video = try #require(info.firstVideo)
        #expect(video.codec == "png")
        #expect(video.width == 512 && video.height == 512)
    }

    @Test(arguments: [
        ("photo-jpeg-named.png", "jpeg_pipe"),
        ("speech-mp3-named.wav", "mp3"),
        ("speech.flac", "flac"),
        ("speech.ogg", "ogg"),
        ("photo.webp", "webp_pipe"),
    ])
    func sniffsTheFormatFromContentNotName(file: String, container: String) throws {
        let info = try MediaProbe.probe(Fixtures.generated(file))
        #expect(info.container == container)
    }

    @Test func textFileIsNotMedia() throws {
        let error = try #require(throws: MediaError.self) { try MediaProbe.probe(Fixtures.generated("text.png")) }
        #expect(error.kind == .unrecognized)
        #expect(error.description.contains("text.png"))
    }

    @Test func badPathsSayWhatIsWrong() throws {
        let missing = try #require(throws: MediaError.self) { try MediaProbe.probe("/nonexistent/photo.png") }
        #expect(missing.kind == .notFound)
        let directory = try #require(throws: MediaError.self) { try MediaProbe.probe(Fixtures.root.path) }
        #expect(directory.kind == .notAFile)
        let empty = try #require(throws: MediaError.self) { try MediaProbe.probe(Fixtures.generated("empty.wav")) }
        #expect(empty.kind == .empty)
        #expect(empty.isUnreadableInput)
    }

    @Test func pathsWithSpacesAndNonASCII() throws {
        let info = try MediaProbe.probe(Fixtures.generated("path with spaces/spëech ü.wav"))
        #expect(info.firstAudio?.channels == 1)
    }

    @Test func ffmpegErrorCarriesCallCodeAndFile() {
        let error = FFmpegError(call: "avformat_write_header", code: -22, path: "/tmp/out.mp4", logLine: "moov atom not found")
        #expect(error.message == "Invalid argument")
        #expect(error.description.contains("/tmp/out.mp4"))
        #expect(error.description.contains("avformat_write_header"))
        #expect(error.description.contains("moov atom not found"))
    }

    @Test func waveHeaderTellsTruncation() throws {
        let whole = try #require(try WaveHeader.read(Fixtures.speech))
        #expect(!whole.isTruncated)
        let cut = try #require(try WaveHeader.read(Fixtures.generated("speech-truncated.wav")))
        #expect(cut.isTruncated)
        #expect((cut.availableDuration ?? 0) < (cut.declaredDuration ?? 0) * 0.6)
        #expect(try WaveHeader.read(Fixtures.generated("speech.mp3")) == nil)
    }
}
