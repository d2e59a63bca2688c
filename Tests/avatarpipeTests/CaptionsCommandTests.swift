import Foundation
import Testing
import TestSupport

/// `avatarpipe captions` end to end: files written, exit codes.
@Suite struct CaptionsCommandTests {
    @Test func writesWebVTTAndSRT() throws {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let result = CLI.run(["captions", Fixtures.speech, "--script", "@" + Fixtures.script, "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let vtt = try String(contentsOfFile: out.file("captions.vtt"), encoding: .utf8)
        #expect(vtt.hasPrefix("WEBVTT"))
        #expect(vtt.contains("-->"))
        let srt = try String(contentsOfFile: out.file("captions.srt"), encoding: .utf8)
        #expect(srt.hasPrefix("1\n"))
        // ffmpeg reads both (converting each to the other format).
        #expect(Judge.ffmpeg(["-loglevel", "error", "-y", "-i", out.file("captions.vtt"), "-f", "srt", out.file("back.srt")]).status == 0)
        #expect(Judge.ffmpeg(["-loglevel", "error", "-y", "-i", out.file("captions.srt"), "-f", "webvtt", out.file("back.vtt")]).status == 0)
    }

    @Test func badInputsExitWithTheirCodes() {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let empty = CLI.run(["captions", Fixtures.speech, "--script", "  ", "--out", out.path])
        #expect(empty.status == 2)
        let missing = CLI.run(["captions", "/nonexistent/a.wav", "--script", "Hi.", "--out", out.path])
        #expect(missing.status == 2)
        let silent = CLI.run(["captions", Fixtures.generated("silence.wav"), "--script", "Hello there.", "--out", out.path])
        #expect(silent.status == 1)
        #expect(silent.stderr.contains("speech"))
    }
}
