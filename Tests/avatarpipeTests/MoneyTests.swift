import AvatarHTTP
import Foundation
import Testing
import TestSupport

/// The money rules with real processes: two runs at once, kill -9 at each step, then
/// `resume` or `run` again. The sandbox's ledger says what was paid; each test names the
/// finding of issue 10 it closes.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MoneyTests {
    // Finding 1: two runs at once pay twice. On both ledgers.
    @Test(arguments: [false, true])
    func twoRunsAtOncePayOnceInDifferentAndTheSameDirectories(postgres: Bool) async throws {
        let bench = try await MoneyBench.start(postgres: postgres)
        defer { bench.stop() }
        try await bench.control(["hold": ["jobs"]])
        let a = bench.state.file("a"), b = bench.state.file("b")
        let first = try bench.start(bench.run(a)), second = try bench.start(bench.run(b))
        let entered = [await first.waitFor(anyOf: ["[wait] waiting for render", "[follow]"]),
                       await second.waitFor(anyOf: ["[wait] waiting for render", "[follow]"])]
        #expect(Set(entered.compactMap { $0 }) == ["[wait] waiting for render", "[follow]"], "\(first.stderr)\n\(second.stderr)")
        try await bench.control(["release": ["jobs"]])
        #expect(await first.wait() == 0, "first: \(first.stderr)")
        #expect(await second.wait() == 0, "second: \(second.stderr)")
        #expect(try await bench.sandbox.counts() == (1, 1))
        #expect(MoneyBench.sha(a + "/render.mp4") != nil)
        #expect(MoneyBench.sha(a + "/render.mp4") == MoneyBench.sha(b + "/render.mp4"))

        // The same --out, other inputs (portrait): the second waits for the directory.
        try await bench.control(["hold": ["jobs"]])
        let c = bench.state.file("c")
        let third = try bench.start(bench.run(c, ["--orientation", "portrait"]))
        let fourth = try bench.start(bench.run(c, ["--orientation", "portrait"]))
        let waits = [await third.waitFor(anyOf: ["[wait] waiting for render", "is in use by"]),
                     await fourth.waitFor(anyOf: ["[wait] waiting for render", "is in use by"])]
        #expect(Set(waits.compactMap { $0 }) == ["[wait] waiting for render", "is in use by"], "\(third.stderr)\n\(fourth.stderr)")
        try await bench.control(["release": ["jobs"]])
        #expect(await third.wait() == 0, "\(third.stderr)")
        #expect(await fourth.wait() == 0, "\(fourth.stderr)")
        #expect(try await bench.sandbox.counts() == (2, 2))
        #expect((third.stdout + fourth.stdout).contains("nothing was paid this time"))
    }

    // kill -9 after the claim, before the submit: the claim is taken over, one charge. On both ledgers.
    @Test(arguments: [false, true])
    func killedAfterTheClaimThenRunAgainPaysOnce(postgres: Bool) async throws {
        let bench = try await MoneyBench.start(postgres: postgres)
        defer { bench.stop() }
        try await bench.control(["hold": ["uploads"]])
        let job = bench.state.file("job")
        let first = try bench.start(bench.run(job))
        try await bench.sandbox.held("uploads")
        await first.killHard()
        await #expect(bench.ledgerRenders().first?["state"] as? String == "claimed")
        try await bench.control(["release": ["uploads"]])
        let again = await bench.cli(bench.run(job))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await bench.sandbox.counts() == (1, 1))
        await #expect(bench.ledgerRenders().count == 1)
    }

    // kill -9 after the submit's answer: resume polls the same request; the key of another
    // service is never used on it.
    @Test func killedAfterTheSubmitAnswerThenResumedPaysOnce() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        try await bench.control(["hold": ["jobs"]])
        let job = bench.state.file("job")
        let first = try bench.start(bench.run(job))
        #expect(await first.waitFor("[wait] waiting for render"), "\(first.stderr)")
        await first.killHard()
        let journal = try String(contentsOfFile: job + "/job.json", encoding: .utf8)
        let id = try #require(try await bench.requestIDs().first)
        #expect(journal.contains(id))
        await #expect(CLI.json(bench.cli(["ledger", "--in-flight", "--json"]).stdout).map { ($0["renders"] as? [Any])?.count } == 1)

        // Another endpoint (a real key, the default API) is refused without a request.
        let elsewhere = await CLI.run(["resume", job], environment: ["AVATARPIPE_LEDGER": bench.ledgerPath, "SEGMIND_API_KEY": "real-key"])
        #expect(elsewhere.status == 3)
        #expect(elsewhere.stderr.contains(bench.sandbox.baseURL), "\(elsewhere.stderr)")

        // --force-new into that directory would forget a paid render: refused.
        let forced = await bench.cli(bench.run(job, ["--force-new"]))
        #expect(forced.status == 3, "\(forced.stderr)")
        #expect(forced.stderr.contains("avatarpipe resume"))

        try await bench.control(["release": ["jobs"]])
        let resumed = await bench.cli(bench.resume(job))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try await bench.sandbox.counts() == (1, 1))
        #expect(MoneyBench.sha(job + "/render.mp4") != nil)
    }

    // Finding 10: Ctrl-C works again once the render is safe (it used to be ignored for good):
    // the first asks to stop, a second quits at once (130).
    @Test func ctrlCDuringPostStopsTheRun() async throws {
        let bench = try await MoneyBench.start(["--latency", "0.3"])
        defer { bench.stop() }
        let job = bench.state.file("job")
        let run = try bench.start(["run", "--photo", Fixtures.photo, "--audio", Fixtures.speech, "--fit", "contain", "--out", job]
                                  + bench.service())
        #expect(await run.waitFor("[renditions]"), "\(run.stderr)")
        run.signal(SIGINT)
        #expect(await run.waitFor("[interrupted]"), "\(run.stderr)")
        run.signal(SIGINT)
        #expect(await run.wait() == 130, "\(run.stderr)")
        #expect(MoneyBench.sha(job + "/render.mp4") != nil)
    }

    // kill -9 mid-download: resume asks for the rest of the same file, and gets it whole.
    @Test func killedMidDownloadThenResumedContinuesTheSameFile() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        try await bench.control(["hold": ["downloads"], "hold_downloads_after": 65536])
        let job = bench.state.file("job")
        let first = try bench.start(bench.run(job))
        try await bench.sandbox.held("downloads")
        // The sandbox has sent 64 KiB; wait for them to land in the partial file.
        let id = try #require(try await bench.requestIDs().first)
        #expect(await bench.fileGrows(bench.state.file("downloads/\(id).mp4"), to: 65536))
        await first.killHard()
        try await bench.control(["release": ["downloads"]])
        let resumed = await bench.cli(bench.resume(job))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming the download at"), "\(resumed.stderr)")
        let served = bench.state.file("served.mp4")
        try await bench.servedVideo(id, to: served)
        #expect(MoneyBench.sha(job + "/render.mp4") == MoneyBench.sha(served))
        #expect(try await bench.sandbox.counts() == (1, 1))
    }

    // kill -9 after the commit (during post): the next run keeps the render, pays nothing.
    @Test func killedAfterTheCommitThenRunAgainPaysNothing() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let job = bench.state.file("job")
        let first = try bench.start(bench.run(job, post: true))
        #expect(await first.waitFor("[renditions]"), "\(first.stderr)")
        await first.killHard()
        let again = await bench.cli(bench.run(job))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing was paid this time"))
        #expect(try await bench.sandbox.counts() == (1, 1))
    }

    // Finding 3: --force-new adds a render; it does not break reuse.
    @Test func forceNewThenAPlainRunElsewhereReuses() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let a = bench.state.file("a"), b = bench.state.file("b"), c = bench.state.file("c")
        await #expect(bench.cli(bench.run(a)).status == 0)
        let forced = await bench.cli(bench.run(b, ["--force-new"]))
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try await bench.sandbox.counts() == (2, 2))
        let plain = await bench.cli(bench.run(c))
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("nothing was paid this time"))
        #expect(try await bench.sandbox.counts() == (2, 2))
        #expect(MoneyBench.sha(c + "/render.mp4") == MoneyBench.sha(b + "/render.mp4"))
        // --force-new into a directory that holds the paid render is refused: never replaced.
        let replace = await bench.cli(bench.run(a, ["--force-new"]))
        #expect(replace.status == 3)
        #expect(try await bench.sandbox.counts() == (2, 2))
    }

    // Finding 4: a render of one endpoint never stands in for another's.
    @Test func anotherEndpointGetsItsOwnRender() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let other = try await SandboxProcess.start(["--latency", "0.3", "--resolution", "180p"])
        defer { other.stop() }
        await #expect(bench.cli(bench.run(bench.state.file("a"))).status == 0)
        let there = await bench.cli(bench.run(bench.state.file("b"), against: other))
        #expect(there.status == 0, "\(there.stderr)")
        #expect(!there.stdout.contains("nothing was paid"))
        #expect(try await other.counts() == (1, 1))
        #expect(try await bench.sandbox.counts() == (1, 1))
    }

    // Finding 6: a status URL on another origin never gets the key.
    @Test func aStatusURLOnAnotherOriginNeverGetsTheKey() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let server = try await TestServer.start()
        defer { server.stop() }
        try await bench.control(["foreign_status_url": server.url("/echo?key=leak")])
        let job = bench.state.file("job")
        let result = await bench.cli(bench.run(job))
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("does not send the key"), "\(result.stderr)")
        let id = try #require(try await bench.requestIDs().first)
        #expect(result.stderr.contains(id))
        #expect(result.stderr.contains("avatarpipe resume"))
        #expect(try await server.hits("leak").hits == 0)
    }

    // Findings 2 and 7: a v1 JSON answer whose download is not a video: recorded first, set
    // aside, exit 4; resume downloads it again.
    @Test(arguments: ["png", "truncated"])
    func aDefectiveDownloadIsSetAsideAndResumeFetchesItAgain(kind: String) async throws {
        let bench = try await MoneyBench.start(["--latency", "0.3", "--resolution", "180p", "--v1-answer", "json"])
        defer { bench.stop() }
        try await bench.control(["bad_outputs": ["count": 1, "kind": kind]])
        let job = bench.state.file("job")
        let api = kind == "png" ? ["--api", "v1"] : []
        let first = await bench.cli(bench.run(job, api))
        #expect(first.status == 4, "\(first.stderr)")
        #expect(first.stderr.contains("avatarpipe resume"), "\(first.stderr)")
        let rejected = job + "/render.rejected-1.mp4"
        #expect(FileManager.default.fileExists(atPath: rejected))
        #expect(!FileManager.default.fileExists(atPath: job + "/render.mp4"))
        let resumed = await bench.cli(bench.resume(job))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.fileExists(atPath: rejected), "the set-aside copy is kept")
        #expect(Judge.probeValue(job + "/render.mp4", entry: "stream=codec_name", stream: "v:0") == "h264")
        #expect(try await bench.sandbox.counts() == (1, 1))
    }

    // Finding 8: a journal that cannot be written after the submit: exit 4, the request id
    // on stderr, and the ledger still has it.
    @Test func aFullDiskAfterTheSubmitEndsWithTheRequestID() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let disk = try SmallDisk(megabytes: 8)
        defer { disk.remove() }
        try await bench.control(["hold": ["submit_answers"]])
        let job = disk.path + "/job"
        let run = try bench.start(bench.run(job))
        try await bench.sandbox.held("submit_answers")
        disk.fill()
        try await bench.control(["release": ["submit_answers"]])
        #expect(await run.wait() == 4, "\(run.stderr)")
        let id = try #require(try await bench.requestIDs().first)
        #expect(run.stderr.contains(id), "\(run.stderr)")
        await #expect(bench.ledgerRenders().first?["request_id"] as? String == id)
    }

    // Finding 9: --wait-timeout bounds the whole wait, Retry-After pauses included.
    @Test func theWaitTimeoutBoundsRetriesToo() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        try await bench.control(["fail_polls": ["count": 1000, "status": 503, "retry_after": 3600]])
        let result = await bench.cli(bench.run(bench.state.file("job"), ["--wait-timeout", "0.01"]))
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("still not finished after 0.6 s"), "\(result.stderr)")
    }

    // The built-in sandbox's renders end with its process: resume says so, run starts over.
    @Test func builtInSandboxRendersDoNotOutliveTheirProcess() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let job = bench.state.file("job")
        let base = ["run", "--sandbox", "--photo", Fixtures.photo, "--audio", bench.speech, "--fit", "contain", "--no-post", "--out", job]
        let cut = await bench.cli(base + ["--wait-timeout", "0.001"])
        #expect(cut.status == 4, "\(cut.stderr)")
        let resumed = await bench.cli(["resume", job])
        #expect(resumed.status == 3)
        #expect(resumed.stderr.contains("built-in sandbox"), "\(resumed.stderr)")
        let again = await bench.cli(base)
        #expect(again.status == 0, "\(again.stderr)")
        await #expect(bench.ledgerRenders().map { $0["state"] as? String } == ["rendered", "abandoned"])
    }

    @Test func theLedgerListsRendersAndSpend() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let job = bench.state.file("job")
        await #expect(bench.cli(bench.run(job)).status == 0)
        let renders = await bench.ledgerRenders()
        #expect(renders.count == 1)
        #expect(renders.first?["state"] as? String == "rendered")
        #expect((renders.first?["jobs"] as? [String])?.first?.hasSuffix("/job") == true)
        let spend = await CLI.json(bench.cli(["ledger", "spend", "--json"]).stdout)
        #expect(abs((spend?["charged"] as? Double ?? 0) - 2.216) < 0.001)
        let table = await bench.cli(["ledger"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("rendered"))
        #expect(table.stdout.contains(try #require(try await bench.requestIDs().first)))
    }
}

/// A tmpfs of a few megabytes, mounted for one test: a disk that can be filled on cue.
struct SmallDisk {
    let path: String

    init(megabytes: Int) throws {
        let directory = TemporaryDirectory("avatarpipe-disk")
        path = directory.path
        let mounted = Shell.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
        guard mounted.status == 0 else {
            throw SetupFailure(description: "cannot mount a tmpfs at \(path) (root is needed): \(mounted.stderr)")
        }
    }

    /// Writes zeros until the disk is full.
    func fill() {
        _ = Shell.run("/bin/dd", ["if=/dev/zero", "of=\(path)/fill", "bs=64k"])
    }

    func remove() {
        _ = Shell.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }
}

struct SetupFailure: Error, CustomStringConvertible {
    var description: String
}
