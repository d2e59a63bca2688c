import AvatarMedia
import Foundation
import Testing
import TestSupport

@Suite struct EncodeTests {
    @Test func pngRoundTripsExactly() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = try ImageDecoder.decode(Fixtures.photo).image
        let path = directory.file("copy.png")
        try ImageEncoder.writePNG(original, to: path)
        let decoded = try ImageDecoder.decode(path)
        #expect(decoded.image == original)
        #expect(!decoded.hasAlphaChannel, "an opaque image is written as RGB")
        #expect(Judge.probeValue(path, entry: "stream=pix_fmt") == "rgb24")
        // No temporary file is left next to it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["copy.png"])
    }

    @Test func jpegIsReadableByFFprobeAndClose() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let original = try ImageDecoder.decode(Fixtures.photo).image
        let path = directory.file("photo.jpg")
        try ImageEncoder.writeJPEG(original, to: path, quality: 92)
        #expect(Judge.probeValue(path, entry: "stream=codec_name") == "mjpeg")
        let decoded = try ImageDecoder.decode(path).image
        let difference = zip(decoded.pixels, original.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        #expect(Double(difference) / Double(original.pixels.count) < 4)
    }

    @Test func resizeKeepsTheColours() throws {
        let red = RGBAImage(width: 400, height: 300, fill: (200, 30, 40, 255))
        let small = try ImageConverter.resize(red, width: 100, height: 75)
        #expect(small.width == 100 && small.height == 75)
        let pixel = small.pixel(x: 50, y: 40)
        #expect(abs(Int(pixel.r) - 200) <= 2 && abs(Int(pixel.g) - 30) <= 2 && pixel.a == 255)
    }

    @Test func filterChainDrawsABox() throws {
        let gray = RGBAImage(width: 200, height: 100, fill: (128, 128, 128, 255))
        let drawn = try ImageFilter.apply([FilterSpec("drawbox", [("x", "10"), ("y", "10"), ("w", "50"), ("h", "40"),
                                                                  ("color", "red"), ("t", "fill")])], to: gray)
        #expect(drawn.width == 200 && drawn.height == 100)
        let inside = drawn.pixel(x: 30, y: 30), outside = drawn.pixel(x: 150, y: 80)
        #expect(inside.r > 200 && inside.g < 60)
        #expect(outside.r == 128 && outside.g == 128)
    }

    @Test func drawtextWritesPixels() throws {
        let black = RGBAImage(width: 300, height: 80, fill: (0, 0, 0, 255))
        let drawn = try ImageFilter.apply([FilterSpec("drawtext", [("fontfile", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                                                                   ("text", "ok: 100% it's \"fine\""), ("fontcolor", "white"),
                                                                   ("fontsize", "28"), ("x", "10"), ("y", "20"), ("expansion", "none")])], to: black)
        let lit = stride(from: 0, to: drawn.pixels.count, by: 4).filter { drawn.pixels[$0] > 128 }.count
        #expect(lit > 200)
    }

    @Test(arguments: [AudioFileWriter.Container.wav, .mp3])
    func audioWriterMakesAFileFFprobeReads(container: AudioFileWriter.Container) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("out.\(container.rawValue)")
        let reader = try AudioReader(path: Fixtures.speech, sampleRate: 48000, mono: false)
        let writer = try AudioFileWriter(path: path, container: container, sampleRate: 48000, channels: 1)
        let summary = try reader.read { try writer.write($0.channels, frames: $0.frames) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the final path before finish")
        try writer.finish()
        #expect(Judge.probeValue(path, entry: "stream=sample_rate") == "48000")
        #expect(Judge.probeValue(path, entry: "stream=codec_name") == (container == .wav ? "pcm_s16le" : "mp3"))
        let duration = try #require(Double(Judge.probeValue(path, entry: "format=duration")))
        #expect(abs(duration - Double(summary.frames) / 48000) < 0.06)
        let loudness = try #require(try AudioAnalysis.analyze(path).integratedLoudness)
        let original = try #require(try AudioAnalysis.analyze(Fixtures.speech).integratedLoudness)
        #expect(abs(loudness - original) < 0.5)
    }
}
