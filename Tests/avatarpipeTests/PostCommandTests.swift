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
