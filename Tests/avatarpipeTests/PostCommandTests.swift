import Foundation
import Testing
import TestSupport

/// `avatarpipe post` end to end, and `run` producing the whole set.
@Suite struct PostCommandTests {
    func read(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }

    @Test func makesTheWholeSet() throws {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["post", Fixtures.generated("video-speech.mp4"), "--script", "@" + Fixtures.script, "--out", out.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["video-360p.mp4", "poster.png", "storyboard.jpg", "storyboard.vtt", "preview.webp", "captions.vtt", "captions.srt",
                     "manifest.json", "index.html", "thumbs/thumb-01.jpg", "thumbs/thumb-05.jpg"] {
            #expect(FileManager.default.fileExists(atPath: out.file(name)), "\(name)")
        }
        let manifest = try #require(CLI.json(result.stdout))
        let files = try #require(manifest["files"] as? [[String: Any]])
        for file in files {
            let path = try #require(file["path"] as? String)
            #expect(file["sha256"] as? String == Shell.run("/usr/bin/sha256sum", [out.file(path)]).stdout.split(separator: " ").first.map(String.init),
                    "\(path)")
        }
        #expect(files.contains { $0["role"] as? String == "page" })
        let page = read(out.file("index.html"))
        #expect(page.contains("video-360p.mp4") && page.contains("captions.vtt") && page.contains("poster.png"))
        #expect(!result.stderr.contains("spread over the speech"))
    }

    @Test func trimKeepsAudioAndVideoTogether() throws {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["post", Fixtures.generated("video-speech.mp4"), "--trim", "1-3.5", "--out", out.path, "--no-page", "--thumbnails", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let video = out.file("video-360p.mp4")
        let videoDuration = try #require(Double(Judge.probeValue(video, entry: "stream=duration", stream: "v:0")))
        let audioDuration = try #require(Double(Judge.probeValue(video, entry: "stream=duration", stream: "a:0")))
        #expect(abs(videoDuration - 2.5) <= 0.04 + 1e-6, "video \(videoDuration)")
        #expect(abs(audioDuration - videoDuration) <= 0.05, "audio \(audioDuration)")
        #expect(Judge.probeValue(video, entry: "stream=start_time", stream: "v:0") == Judge.probeValue(video, entry: "stream=start_time", stream: "a:0"))
    }

    @Test(arguments: [
        ("video-empty.mp4", Int32(2)),
        ("audio-only.m4a", 2),
        ("video-truncated.mp4", 1),
        ("video-corrupt.mp4", 1),
        ("text.wav", 2),
    ])
    func badVideos(file: String, exitCode: Int32) {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["post", Fixtures.generated(file), "--out", out.path])
        #expect(result.status == exitCode, "\(result.stderr)")
        #expect(result.stderr.contains(file))
        #expect(!FileManager.default.fileExists(atPath: out.file("index.html")))
    }

    @Test func videoWithoutAudioStillGetsRenditionsButNoCaptions() {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["post", Fixtures.generated("video-noaudio.mp4"), "--script", "Hello there.", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.file("video-360p.mp4")))
        #expect(!FileManager.default.fileExists(atPath: out.file("captions.vtt")))
        #expect(result.stderr.contains("no audio"))
    }

    @Test func gifPreviewAndPNGThumbnailsOnRequest() throws {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["post", Fixtures.generated("video-3s.mp4"), "--script", "Hello!", "--preview-format", "gif",
                              "--thumbnail-format", "png", "--thumbnails", "2", "--no-page", "--out", out.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Judge.probeValue(out.file("preview.gif"), entry: "stream=codec_name") == "gif")
        #expect(Judge.probeValue(out.file("thumbs/thumb-02.png"), entry: "stream=codec_name") == "png")
        #expect(!FileManager.default.fileExists(atPath: out.file("preview.webp")))
        let manifest = try #require(CLI.json(result.stdout))
        #expect(["aligned", "fallback"].contains(manifest["captions"] as? String ?? ""), "\(manifest["captions"] ?? "none")")
        let wrong = CLI.run(["post", Fixtures.generated("video-3s.mp4"), "--preview-format", "avi", "--out", out.path])
        #expect(wrong.status == 2)
    }

    @Test func trimSilenceCutsStillFramesWhenThereIsNoAudio() {
        let out = TemporaryDirectory()
        defer { out.remove() }
        // 1 s of a still picture, 2 s of motion, 1 s still; a 0.2 s margin keeps about 2.4–2.6 s.
        let result = CLI.run(["post", Fixtures.generated("video-still-ends.mp4"), "--trim-silence", "0.2", "--out", out.path,
                              "--no-page", "--thumbnails", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("still frames"))
        let duration = Double(Judge.probeValue(out.file("video-180p.mp4"), entry: "stream=duration", stream: "v:0")) ?? 0
        #expect((2.3...2.7).contains(duration), "\(duration)")
    }

    @Test func scriptsThatDoNotFit() {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let empty = CLI.run(["post", Fixtures.generated("video-3s.mp4"), "--script", "   ", "--out", out.path])
        #expect(empty.status == 2)
        let mismatch = CLI.run(["post", Fixtures.generated("video-speech.mp4"), "--out", out.path, "--no-page",
                                "--script", "Quantum chromodynamics describes the strong interaction between quarks and gluons. "
                                    + "Its coupling shrinks at high energies, a property called asymptotic freedom."])
        #expect(mismatch.status == 0, "\(mismatch.stderr)")
        #expect(mismatch.stdout.contains("alignment failed"))
        #expect(FileManager.default.fileExists(atPath: out.file("captions.vtt")))
    }
}

/// `--burn-captions`: the words are in the picture of every rendition, where the cue says.
@Suite struct BurnCaptionsTests {
    /// Mean absolute difference of the RGB channels over rows `rows` of two RGBA frames.
    static func difference(_ a: [UInt8], _ b: [UInt8], width: Int, rows: Range<Int>) -> Double {
        var total = 0, count = 0
        for y in rows {
            for x in 0..<width {
                for channel in 0..<3 {
                    let index = (y * width + x) * 4 + channel
                    total += abs(Int(a[index]) - Int(b[index]))
                    count += 1
                }
            }
        }
        return Double(total) / Double(max(count, 1))
    }

    @Test func captionsAreDrawnLowInTheFrameDuringTheirCue() throws {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let source = Fixtures.generated("video-speech.mp4")
        let result = CLI.run(["post", source, "--script", "@" + Fixtures.script, "--burn-captions", "--out", out.path,
                              "--no-page", "--thumbnails", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let vtt = String(decoding: FileManager.default.contents(atPath: out.file("captions.vtt")) ?? Data(), as: UTF8.self)
        // The middle of the first cue, read from the WebVTT file the burn-in was made from.
        let timing = try #require(vtt.split(separator: "\n").first { $0.contains("-->") })
        let times = timing.components(separatedBy: " --> ").map { part -> Double in
            let fields = part.split(separator: ":").compactMap { Double($0) }
            return fields.reduce(0) { $0 * 60 + $1 }
        }
        let middle = (times[0] + times[1]) / 2
        let burned = Judge.frame(out.file("video-360p.mp4"), at: middle, width: 640, height: 360)
        let original = Judge.frame(source, at: middle, width: 640, height: 360)
        #expect(burned.count == 640 * 360 * 4 && original.count == burned.count)
        guard burned.count == original.count, !burned.isEmpty else { return }
        let low = Self.difference(burned, original, width: 640, rows: 270..<350)
        let high = Self.difference(burned, original, width: 640, rows: 20..<200)
        #expect(low > 8, "the caption band changed by \(low)")
        #expect(high < 4, "the picture above changed by \(high)")
        // The temporary subtitle script is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).allSatisfy { !$0.hasSuffix(".ass") })
    }

    @Test func burningNeedsAScript() {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["post", Fixtures.generated("video-speech.mp4"), "--burn-captions", "--out", out.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--script"))
    }
}
