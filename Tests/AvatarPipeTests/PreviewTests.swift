import AvatarMedia
@testable import AvatarPipe
import Foundation
import Testing
import TestSupport

/// The preview renderer, judged by ffprobe and by pixels of decoded frames.
@Suite struct PreviewTests {
    let speech = Fixtures.generated("speech-2.5s.wav")

    func render(_ settings: PreviewSettings, face: Rect? = nil, photo: String = Fixtures.photo,
                in directory: TemporaryDirectory) throws -> (PreviewResult, String) {
        let image = try ImageDecoder.decode(photo).image
        let path = directory.file("preview.mp4")
        let result = try PreviewRenderer.render(photo: image, face: face, audioPath: speech, settings: settings, to: path)
        return (result, path)
    }

    func settings(_ orientation: Orientation, _ fit: Fit, padding: PreviewSettings.Padding = .blur) -> PreviewSettings {
        var settings = PreviewSettings()
        settings.orientation = orientation
        settings.fit = fit
        settings.resolution = .p720
        settings.padding = padding
        return settings
    }

    @Test(arguments: [(Orientation.landscape, Fit.cover), (.portrait, .cover), (.landscape, .contain), (.portrait, .contain)])
    func ffprobeReadsTheRightStreams(orientation: Orientation, fit: Fit) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (result, path) = try render(settings(orientation, fit), in: directory)
        let (width, height) = orientation == .landscape ? (1280, 720) : (720, 1280)
        #expect(result.width == width && result.height == height)
        #expect(Judge.probeValue(path, entry: "stream=codec_name", stream: "v:0") == "h264")
        #expect(Judge.probeValue(path, entry: "stream=codec_name", stream: "a:0") == "aac")
        #expect(Judge.probeValue(path, entry: "stream=width", stream: "v:0") == "\(width)")
        #expect(Judge.probeValue(path, entry: "stream=height", stream: "v:0") == "\(height)")
        #expect(Judge.probeValue(path, entry: "stream=pix_fmt", stream: "v:0") == "yuv420p")
        #expect(Judge.probeValue(path, entry: "stream=r_frame_rate", stream: "v:0") == "25/1")
        // Duration within one frame of the audio; both streams start together; moov first.
        let audio = try #require(Double(Judge.probeValue(speech, entry: "format=duration")))
        let video = try #require(Double(Judge.probeValue(path, entry: "stream=duration", stream: "v:0")))
        #expect(abs(video - audio) <= 1.0 / 25 + 1e-6, "video \(video) s, audio \(audio) s")
        #expect(Judge.probeValue(path, entry: "stream=start_time", stream: "v:0") == Judge.probeValue(path, entry: "stream=start_time", stream: "a:0"))
        let atoms = MP4Atoms.topLevel(path)
        #expect((atoms.firstIndex(of: "moov") ?? 99) < (atoms.firstIndex(of: "mdat") ?? -1), "\(atoms)")
    }

    @Test func containPadsWithTheColour() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (_, path) = try render(settings(.landscape, .contain, padding: .color(RGBColor(r: 0, g: 160, b: 0))), in: directory)
        let pixels = Judge.frame(path, at: 1.0, width: 1280, height: 720)
        try #require(!pixels.isEmpty)
        // A square photo in 16:9: the left and right bands are padding.
        for (x, y) in [(40, 360), (1240, 360), (60, 650)] {
            let i = (y * 1280 + x) * 4
            #expect(abs(Int(pixels[i]) - 0) < 12 && abs(Int(pixels[i + 1]) - 160) < 12 && abs(Int(pixels[i + 2]) - 0) < 12,
                    "pixel at \(x),\(y) is \(pixels[i]),\(pixels[i + 1]),\(pixels[i + 2])")
        }
    }

    @Test func badgeIsInTheTopRightCorner() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (_, path) = try render(settings(.landscape, .cover), in: directory)
        let pixels = Judge.frame(path, at: 0.5, width: 1280, height: 720)
        try #require(!pixels.isEmpty)
        // The badge is red with white letters; sample its left edge, which is red background.
        let size = 720 / 24
        let i = ((size + 3) * 1280 + (1280 - size - size * 5 + 4)) * 4
        #expect(pixels[i] > 150 && pixels[i + 1] < 90, "badge pixel \(pixels[i]),\(pixels[i + 1]),\(pixels[i + 2])")
        var noBadge = settings(.landscape, .cover)
        noBadge.badge = false
        let (_, plain) = try render(noBadge, in: directory)
        let plainPixels = Judge.frame(plain, at: 0.5, width: 1280, height: 720)
        #expect(plainPixels[i] != pixels[i] || plainPixels[i + 1] != pixels[i + 1])
    }

    @Test func coverKeepsTheFaceInTheFrame() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        // The astronaut's face; with cover on 16:9 the centred crop would cut her hair.
        let face = Rect(x: 175, y: 75, width: 100, height: 110)
        let (_, path) = try render(settings(.landscape, .cover), face: face, in: directory)
        let pixels = Judge.frame(path, at: 2.0, width: 1280, height: 720)
        try #require(!pixels.isEmpty)
        // The crop is centred on the face (zoomed a little and drifting towards it):
        // skin tones sit in the upper middle of the frame, not cut off at the top.
        let top = RGBAImage(width: 1280, height: 720, pixels: pixels)
        let skin = (200..<420).filter { y in
            let p = top.pixel(x: 560, y: y)
            return p.r > 150 && p.g > 90 && p.b > 60 && p.r > p.b + 30
        }.count
        #expect(skin > 40, "skin rows in the face column: \(skin)")
    }

    @Test func mouthFollowsTheAudio() throws {
        // Silence at the start and end, speech in the middle: the mouth region changes only with speech.
        let levels: [Float] = Array(repeating: -90, count: 100) + Array(repeating: -20, count: 100) + Array(repeating: -90, count: 100)
        let openness = SpeechEnvelope.openness(levels: levels, frameRate: 25, duration: 3)
        #expect(openness.count == 75)
        #expect(openness[5] < 0.05 && openness[70] < 0.05)
        #expect(openness[37] > 0.8)
    }
}
