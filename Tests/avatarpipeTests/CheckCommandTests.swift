import Foundation
import Testing
import TestSupport

/// `avatarpipe check` end to end: the built binary on real files, exit codes and messages.
@Suite struct CheckCommandTests {
    @Test func demoInputsAreReady() throws {
        let result = CLI.run(["check", "--photo", Fixtures.photo, "--audio", Fixtures.speech, "--script", "@" + Fixtures.script])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.last?.hasPrefix("verdict: ") == true)
        #expect(result.stdout.contains("audio.loudness"))
        #expect(result.stdout.contains("cost.estimate"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let result = CLI.run(["check", "--photo", Fixtures.photo, "--audio", Fixtures.speech, "--json"])
        #expect(result.status == 0)
        let object = try #require(CLI.json(result.stdout), "stdout is one JSON object")
        #expect(["ok", "warn", "block"].contains(object["verdict"] as? String))
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.allSatisfy { $0["level"] is String && $0["code"] is String && $0["message"] is String })
        let photo = try #require(object["photo"] as? [String: Any])
        for key in ["path", "format", "width", "height"] { #expect(photo[key] != nil, "photo.\(key)") }
        let audio = try #require(object["audio"] as? [String: Any])
        for key in ["path", "format", "codec", "duration", "sample_rate", "channels", "loudness_lufs"] {
            #expect(audio[key] != nil, "audio.\(key)")
        }
        let cost = try #require(object["cost"] as? [String: Any])
        #expect(cost["estimate_usd"] as? Double == 2.216)
    }

    @Test(arguments: [
        (["--photo", "/nonexistent/me.png"], Int32(2), "photo.unreadable"),
        (["--photo", "<root>"], 2, "photo.unreadable"),
        (["--photo", "empty.png"], 2, "photo.unreadable"),
        (["--photo", "text.png"], 2, "photo.unreadable"),
        (["--photo", "photo-truncated.png"], 3, "photo.truncated"),
        (["--photo", "photo-truncated.jpg"], 3, "photo.truncated"),
        (["--photo", "photo-bomb.png"], 3, "photo.too_large"),
        (["--photo", "photo-jpeg-named.png"], 0, "photo.extension_mismatch"),
        (["--photo", "photo.webp"], 0, "photo.format_converted"),
        (["--photo", "photo-200.png"], 3, "photo.too_small"),
        (["--audio", "empty.wav"], 2, "audio.unreadable"),
        (["--audio", "text.wav"], 2, "audio.unreadable"),
        (["--audio", "speech-11min.wav"], 3, "audio.too_long"),
        (["--audio", "speech-0.3s.wav"], 3, "audio.too_short"),
        (["--audio", "silence.wav"], 3, "audio.silent"),
        (["--audio", "speech-truncated.wav"], 3, "audio.truncated"),
        (["--audio", "speech-6ch.wav"], 0, "audio.many_channels"),
        (["--audio", "speech-8k.wav"], 0, "audio.low_sample_rate"),
        (["--audio", "speech.flac"], 0, "audio.format_converted"),
        (["--audio", "speech.ogg"], 0, "audio.format_converted"),
        (["--photo", "path with spaces/phötö ü.png", "--audio", "path with spaces/spëech ü.wav"], 0, "audio.loudness"),
    ])
    func badInputs(arguments: [String], exitCode: Int32, code: String) throws {
        var resolved = arguments.map { argument -> String in
            if argument == "<root>" { return Fixtures.root.path }
            if argument.hasPrefix("--") || argument.hasPrefix("/") { return argument }
            return Fixtures.generated(argument)
        }
        if !resolved.contains("--photo") { resolved += ["--photo", Fixtures.photo] }
        let result = CLI.run(["check"] + resolved)
        #expect(result.status == exitCode, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains(" \(code) ") },
                                "no \(code) line in:\n\(result.stdout)")
        // The message names the file it is about.
        let named = resolved.enumerated().filter { $0.offset > 0 && ["--photo", "--audio"].contains(resolved[$0.offset - 1]) }
            .map(\.element)
        #expect(named.contains { line.contains($0) } || code.hasPrefix("framing") || code == "audio.loudness" || code == "photo.size")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func jsonOfAnUnreadableInputStillParses() throws {
        let result = CLI.run(["check", "--photo", Fixtures.generated("text.png"), "--json"])
        #expect(result.status == 2)
        let object = try #require(CLI.json(result.stdout))
        #expect(object["verdict"] as? String == "block")
    }

    @Test func usageErrorsExitWithTwo() {
        let noPhoto = CLI.run(["check", "--audio", Fixtures.speech])
        #expect(noPhoto.status == 2)
        #expect(noPhoto.stderr.contains("--photo"))
        let badOrientation = CLI.run(["check", "--photo", Fixtures.photo, "--orientation", "sideways"])
        #expect(badOrientation.status == 2)
        #expect(badOrientation.stderr.contains("sideways"))
        let missingScript = CLI.run(["check", "--photo", Fixtures.photo, "--script", "@/nonexistent/script.txt"])
        #expect(missingScript.status == 2)
        #expect(missingScript.stderr.contains("/nonexistent/script.txt"))
        let unknownCommand = CLI.run(["frobnicate"])
        #expect(unknownCommand.status == 2)
    }

    @Test func scriptAndVoiceOptions() throws {
        let result = CLI.run(["check", "--photo", Fixtures.photo, "--script", "Hello, welcome!", "--voice", "Nova", "--json"])
        #expect(result.status == 0)
        let object = try #require(CLI.json(result.stdout))
        let voice = try #require(object["voice"] as? [String: Any])
        #expect(voice["id"] as? String == "71b0aa6499f6458e8b040818a017db1f")
        let tooLong = CLI.run(["check", "--photo", Fixtures.photo, "--script", String(repeating: "a", count: 5001)])
        #expect(tooLong.status == 3)
        #expect(tooLong.stdout.contains("script.too_long"))
    }

    @Test func priceOptionAndEnvironment() throws {
        let option = CLI.run(["check", "--photo", Fixtures.photo, "--script", "Hi there.", "--price", "1.5", "--json"])
        #expect(((CLI.json(option.stdout)?["cost"] as? [String: Any])?["estimate_usd"] as? Double) == 1.5)
        let environment = CLI.run(["check", "--photo", Fixtures.photo, "--script", "Hi there.", "--json"],
                                  environment: ["AVATARPIPE_PRICE_USD": "3"])
        #expect(((CLI.json(environment.stdout)?["cost"] as? [String: Any])?["estimate_usd"] as? Double) == 3)
    }

    @Test func voicesList() throws {
        let text = CLI.run(["voices"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Nova") && text.stdout.contains("71b0aa6499f6458e8b040818a017db1f"))
        let json = CLI.run(["voices", "--json"])
        let list = try #require((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [[String: Any]])
        #expect(list.count == 11)
    }

    @Test func helpExitsZero() {
        let help = CLI.run(["check", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--orientation"))
    }
}

/// `check --fix` and `check --picture` end to end.
@Suite struct CheckFixTests {
    @Test func fixPreparesAndRechecks() throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let result = CLI.run(["check", "--photo", Fixtures.generated("photo-2400.png"), "--audio", Fixtures.generated("speech-6ch.wav"),
                              "--fix", "--out", job.path])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("downscaled 2400×2400 to 2000×2000"))
        #expect(result.stdout.contains("mixed 6 channels to stereo"))
        // The report that follows is of the prepared files: no more warnings about them.
        #expect(!result.stdout.contains(" photo.downscaled "))
        #expect(!result.stdout.contains(" audio.many_channels "))
        let report = try #require(CLI.json((try? String(contentsOfFile: job.file("preflight.json"), encoding: .utf8)) ?? ""))
        let preparation = try #require(report["preparation"] as? [String: Any])
        #expect((preparation["photo"] as? [String: Any])?["sha256"] is String)
        #expect(FileManager.default.fileExists(atPath: job.file("preflight.png")))
        #expect(Judge.probeValue(job.file("preflight.png"), entry: "stream=codec_name") == "png")
    }

    @Test func fixRefusesBlockedInputsAndWritesNothing() throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let out = job.file("job")
        let result = CLI.run(["check", "--photo", Fixtures.generated("photo-200.png"), "--fix", "--out", out])
        #expect(result.status == 3)
        #expect(result.stdout.contains("nothing prepared"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func pictureIsWritten() throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let result = CLI.run(["check", "--photo", Fixtures.photo, "--picture", job.file("look.png"), "--fit", "contain"])
        #expect(result.status == 0)
        #expect(Judge.probeValue(job.file("look.png"), entry: "stream=width") == "910")
    }
}

/// `check --fix --reframe`: the prepared photo is cropped around the face to 16:9, and the
/// check of the prepared photo no longer finds the head cut.
@Suite struct ReframeTests {
    @Test func reframedPhotoKeepsTheHead() throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let before = CLI.run(["check", "--photo", Fixtures.generated("photo-1024.png")])
        #expect(before.stdout.contains("framing.head_cut"))
        let result = CLI.run(["check", "--photo", Fixtures.generated("photo-1024.png"), "--fix", "--reframe", "--out", job.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(CLI.json(result.stdout))
        let photo = try #require((report["preparation"] as? [String: Any])?["photo"] as? [String: Any])
        let path = try #require(photo["path"] as? String)
        #expect(Judge.probeValue(path, entry: "stream=width") == "1024")
        #expect(Judge.probeValue(path, entry: "stream=height") == "576")
        let codes = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        #expect(!codes.contains("framing.head_cut"), "\(codes)")
        #expect(codes.contains("framing.cover"))
    }

    @Test func reframeThatWouldGoUnder512IsRefused() throws {
        let job = TemporaryDirectory()
        defer { job.remove() }
        let result = CLI.run(["check", "--photo", Fixtures.photo, "--fix", "--reframe", "--out", job.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("the original is used as it is"))
        #expect(result.stdout.contains("note: not reframed: a 16:9 crop"))
    }
}
