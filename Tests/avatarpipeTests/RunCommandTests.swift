import AvatarHTTP
import Foundation
import Testing
import TestSupport

/// `avatarpipe run`, `resume` and `credits` end to end: the built binary against the
/// sandbox over loopback.
@Suite(.serialized) struct RunCommandTests {
    let speech = Fixtures.generated("speech-2.5s.wav")

    func environment(_ cache: TemporaryDirectory) -> [String: String] {
        ["AVATARPIPE_LEDGER": cache.file("ledger.sqlite"), "SEGMIND_API_KEY": ""]
    }

    func anyFileContains(_ text: String, in directory: String) -> Bool {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return files.contains { name in
            FileManager.default.contents(atPath: directory + "/" + name)?.range(of: Data(text.utf8)) != nil
        }
    }

    @Test func runWithTheBuiltInSandbox() throws {
        let job = TemporaryDirectory(), cache = TemporaryDirectory()
        defer { job.remove(); cache.remove() }
        let result = CLI.run(["run", "--sandbox", "--photo", Fixtures.photo, "--audio", speech, "--fit", "contain", "--out", job.path],
                             environment: environment(cache))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("render.mp4"))
        #expect(result.stdout.contains("charged 2.216 credits"))
        for name in ["job.json", "preflight.json", "preflight.png", "render.mp4", "input", "video-720p.mp4", "video-480p.mp4",
                     "poster.png", "thumbs", "storyboard.jpg", "storyboard.vtt", "manifest.json", "index.html"] {
            #expect(FileManager.default.fileExists(atPath: job.file(name)), "\(name)")
        }
        #expect(Judge.probeValue(job.file("render.mp4"), entry: "stream=codec_name", stream: "v:0") == "h264")
        #expect(!(result.stdout + result.stderr).contains("sbx-"))
        #expect(!anyFileContains("sbx-", in: job.path))
    }

    @Test func droppedSubmitEndsWithExitFourAndNothingSubmitsAgain() async throws {
        let sandbox = try await SandboxProcess.start(["--latency", "0.5", "--drop-submits", "1"])
        defer { sandbox.stop() }
        let job = TemporaryDirectory(), cache = TemporaryDirectory()
        defer { job.remove(); cache.remove() }
        let common = ["--api-base", sandbox.baseURL, "--key-file", sandbox.keyFile(in: cache)]
        let run = ["run", "--photo", Fixtures.photo, "--audio", speech, "--fit", "contain", "--out", job.path] + common
        let first = await CLI.run(run, environment: environment(cache))
        #expect(first.status == 4, "\(first.stderr)")
        #expect(first.stderr.contains("--force-new"))
        #expect(first.stderr.contains("avatarpipe credits"))
        let again = await CLI.run(run, environment: environment(cache))
        #expect(again.status == 4)
        let resumed = await CLI.run(["resume", job.path] + common, environment: environment(cache))
        #expect(resumed.status == 4)
        let ledger = try await sandbox.ledger()
        #expect((ledger["submissions"] as? [Any])?.count == 1)
        #expect(!anyFileContains(sandbox.key, in: job.path))
        #expect(!(first.stdout + first.stderr + again.stderr + resumed.stderr).contains(sandbox.key))
    }

    @Test func interruptWhileWaitingThenResumeFinishesTheSameRender() async throws {
        let sandbox = try await SandboxProcess.start(["--latency", "4"])
        defer { sandbox.stop() }
        let job = TemporaryDirectory(), cache = TemporaryDirectory()
        defer { job.remove(); cache.remove() }
        let common = ["--api-base", sandbox.baseURL, "--key-file", sandbox.keyFile(in: cache)]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run", "--photo", Fixtures.photo, "--audio", speech, "--fit", "contain", "--out", job.path] + common
        process.environment = ProcessInfo.processInfo.environment.merging(environment(cache)) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: job.file("job.json")),
               String(decoding: data, as: UTF8.self).contains("\"stage\" : \"submitted\"") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 4)
        let resumed = await CLI.run(["resume", job.path] + common, environment: environment(cache))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.fileExists(atPath: job.file("render.mp4")))
        let ledger = try await sandbox.ledger()
        #expect((ledger["submissions"] as? [Any])?.count == 1)
        #expect((ledger["charges"] as? [Any])?.count == 1)
    }

    @Test func creditsAndKeys() async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let cache = TemporaryDirectory()
        defer { cache.remove() }
        let credits = await CLI.run(["credits", "--api-base", sandbox.baseURL, "--key-file", sandbox.keyFile(in: cache)], environment: environment(cache))
        #expect(credits.status == 0)
        #expect(credits.stdout.hasPrefix("100.00 credits"))
        let wrong = await CLI.run(["credits", "--api-base", sandbox.baseURL], environment: ["SEGMIND_API_KEY": "not-the-key", "AVATARPIPE_LEDGER": cache.file("ledger.sqlite")])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("401"))
        #expect(!wrong.stderr.contains("not-the-key"))
        let none = await CLI.run(["credits", "--api-base", sandbox.baseURL], environment: ["SEGMIND_API_KEY": "", "HOME": cache.path, "XDG_CONFIG_HOME": cache.path])
        #expect(none.status == 2)
        #expect(none.stderr.contains("SEGMIND_API_KEY"))
    }

    @Test(arguments: [["--thumbnails", "99"], ["--loudness", "loud"], ["--burn-captions"], ["--wait-timeout", "nan"],
                      ["--max-cost", "nan"], ["--max-cost", "inf"], ["--max-cost", "-1"], ["--max-cost", "0"]])
    func badArgumentsAreRefusedBeforeAnythingIsFetchedOrPaid(flags: [String]) {
        let job = TemporaryDirectory(), cache = TemporaryDirectory()
        defer { job.remove(); cache.remove() }
        let result = CLI.run(["run", "--sandbox", "--photo", Fixtures.photo, "--audio", speech, "--out", job.path] + flags,
                             environment: environment(cache))
        #expect(result.status == 2, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: job.file("job.json")))
        #expect(!FileManager.default.fileExists(atPath: job.file("render.mp4")))
    }

    @Test func blockedInputsAreRefusedBeforeAnythingIsPaid() async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let job = TemporaryDirectory(), cache = TemporaryDirectory()
        defer { job.remove(); cache.remove() }
        let result = await CLI.run(["run", "--photo", Fixtures.generated("photo-200.png"), "--audio", speech, "--out", job.path,
                              "--api-base", sandbox.baseURL, "--key-file", sandbox.keyFile(in: cache)], environment: environment(cache))
        #expect(result.status == 3)
        #expect(result.stdout.contains("photo.too_small"))
        let ledger = try await sandbox.ledger()
        #expect((ledger["submissions"] as? [Any])?.isEmpty == true)
    }

    @Test func s3HostingAgainstMotoDeletesTheInputsAfterwards() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let sandbox = try await SandboxProcess.start(["--latency", "0.3", "--accept-wav"])
        defer { sandbox.stop() }
        let job = TemporaryDirectory(), cache = TemporaryDirectory()
        defer { job.remove(); cache.remove() }
        let bucket = "avatarpipe-test"
        _ = try await HTTPClient().send(HTTPRequest(.put, "\(moto.info.endpoint)/\(bucket)"))
        var env = environment(cache)
        env["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
        env["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        env["AWS_REGION"] = "us-east-1"
        let result = await CLI.run(["run", "--photo", Fixtures.photo, "--audio", speech, "--fit", "contain", "--out", job.path,
                              "--api-base", sandbox.baseURL, "--key-file", sandbox.keyFile(in: cache),
                              "--host", "s3://\(bucket)/inputs", "--s3-endpoint", moto.info.endpoint], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let listing = try await HTTPClient().send(HTTPRequest(.get, "\(moto.info.endpoint)/\(bucket)?list-type=2"))
        let xml = String(decoding: listing.body, as: UTF8.self)
        #expect(listing.status == 200)
        #expect(!xml.contains("<Key>"), "objects left behind: \(xml)")
        let journal = String(decoding: FileManager.default.contents(atPath: job.file("job.json")) ?? Data(), as: UTF8.self)
        #expect(journal.contains("s3://\(bucket)/inputs"))
        #expect(journal.range(of: "X-Amz-Signature=[0-9a-f]{64}", options: .regularExpression) == nil)
        #expect(journal.contains("X-Amz-Signature=REDACTED"))
        #expect(!anyFileContains("wJalrXUtnFEMI", in: job.path))
    }
}
