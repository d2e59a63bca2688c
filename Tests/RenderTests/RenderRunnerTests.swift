import AvatarHTTP
import AvatarPipe
import AvatarSandbox
import Foundation
import Testing
import TestSupport

/// The money rules, end to end over loopback: real libcurl, the real sandbox, real files.
@Suite(.serialized) struct RenderRunnerTests {
    @Test(arguments: [RunRequest.API.v2, .v1])
    func happyPathPaysOnceAndVerifiesTheVideo(api: RunRequest.API) async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let outcome = try await harness.runner.run(harness.request(api: api))
        #expect(outcome.journal.stage == .rendered)
        #expect(!outcome.reused)
        let render = harness.job.file("render.mp4")
        #expect(Judge.probeValue(render, entry: "stream=codec_name", stream: "v:0") == "h264")
        #expect(Judge.probeValue(render, entry: "stream=width", stream: "v:0") == "320")
        #expect(outcome.journal.render?.sha256 == (try FileHash.sha256(ofFile: render)))
        let ledger = await harness.ledger()
        #expect(ledger.submissions.count == 1)
        #expect(ledger.charges.count == 1)
        #expect(abs((outcome.journal.credits.charged ?? 0) - ServiceLimits.defaultPricePerCallUSD) < 0.001)
        #expect(!harness.keyAppearsInJobFiles())
        if api == .v2 { #expect(outcome.journal.submission?.requestID == ledger.submissions.first?.requestID) }
    }

    @Test func repeatedRunOnTheSameInputsDoesNotPayAgain() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        _ = try await harness.runner.run(harness.request())
        let second = TemporaryDirectory("avatarpipe-job2")
        defer { second.remove() }
        let again = try await harness.runner.run(harness.request(in: second.path))
        #expect(again.reused)
        #expect(again.journal.stage == .rendered)
        #expect(try FileHash.sha256(ofFile: second.file("render.mp4")) == (try FileHash.sha256(ofFile: harness.job.file("render.mp4"))))
        let ledger = await harness.ledger()
        #expect(ledger.submissions.count == 1 && ledger.charges.count == 1)
        // The same directory again: kept, not re-rendered.
        let same = try await harness.runner.run(harness.request())
        #expect(same.reused)
        #expect(await harness.ledger().submissions.count == 1)
    }

    @Test func unavailableOnSubmitIsRetriedAndRendersOnce() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(failSubmits: .init(count: 2, status: 503, retryAfter: 0)))
        let outcome = try await harness.runner.run(harness.request())
        #expect(outcome.journal.stage == .rendered)
        let ledger = await harness.ledger()
        #expect(ledger.submissions.count == 1 && ledger.charges.count == 1)
    }

    @Test func rateLimitedThenAccepted() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(failSubmits: .init(count: 1, status: 429, retryAfter: 0)))
        let outcome = try await harness.runner.run(harness.request())
        #expect(outcome.journal.stage == .rendered)
        #expect(await harness.ledger().submissions.count == 1)
    }

    @Test func droppedConnectionAfterTheBodyStopsWithExitFourAndNeverResubmits() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(dropSubmits: 1))
        let error = try await #require(throws: RenderError.self) { try await harness.runner.run(harness.request()) }
        #expect(error.exitCode == 4)
        #expect(error.description.contains("--force-new"))
        let journal = try JobJournal.load(from: harness.job.path)
        #expect(journal.stage == .submitting)
        #expect(await harness.ledger().submissions.count == 1)
        // Neither a second run nor resume submits again.
        let again = try await #require(throws: RenderError.self) { try await harness.runner.run(harness.request()) }
        #expect(again.exitCode == 4, "\(again)")
        let resumed = try await #require(throws: RenderError.self) { try await harness.runner.resume(harness.job.path) }
        #expect(resumed.exitCode == 4, "\(resumed)")
        let elsewhere = TemporaryDirectory("avatarpipe-job3")
        defer { elsewhere.remove() }
        let fromAnotherDirectory = try await #require(throws: RenderError.self) {
            try await harness.runner.run(harness.request(in: elsewhere.path))
        }
        #expect(fromAnotherDirectory.exitCode == 4)
        #expect(await harness.ledger().submissions.count == 1)
    }

    @Test(arguments: [500, 502, 504])
    func ambiguousServerErrorsOnSubmitAreNotRetried(status: Int) async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(failSubmits: .init(count: 1, status: status)))
        let error = try await #require(throws: RenderError.self) { try await harness.runner.run(harness.request()) }
        #expect(error.exitCode == 4)
        let ledger = await harness.ledger()
        #expect(ledger.rejected.count == 1, "one attempt only")
        #expect(ledger.submissions.isEmpty)
    }

    @Test func failedJobIsReportedAndNotCharged() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(failJobs: .init(count: 1, reason: "the face could not be animated")))
        let error = try await #require(throws: RenderError.self) { try await harness.runner.run(harness.request()) }
        #expect(error.description.contains("the face could not be animated"))
        #expect(error.exitCode == 1)
        #expect(try JobJournal.load(from: harness.job.path).stage == .failed)
        #expect(await harness.ledger().charges.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: harness.job.file("render.mp4")))
    }

    @Test func flakyStatusPollsAreRetried() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(failPolls: .init(count: 4, status: 500)))
        let outcome = try await harness.runner.run(harness.request())
        #expect(outcome.journal.stage == .rendered)
        #expect(await harness.ledger().submissions.count == 1)
    }

    @Test func truncatedDownloadIsResumedWithRange() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        await harness.control(SandboxControl(truncateDownloads: .init(count: 2, afterBytes: 30000)))
        let outcome = try await harness.runner.run(harness.request())
        #expect(outcome.journal.stage == .rendered)
        let id = try #require(outcome.journal.submission?.requestID)
        let served = harness.sandbox.directory + "/jobs"
        let original = FileManager.default.enumerator(atPath: served)?.compactMap { $0 as? String }
            .first { $0.hasSuffix(".mp4") && $0.contains(id) }
        let source = try #require(original.map { served + "/" + $0 })
        #expect(try FileHash.sha256(ofFile: source) == (try FileHash.sha256(ofFile: harness.job.file("render.mp4"))))
    }

    @Test func expiredResultIsSaidPlainly() async throws {
        let harness = try await Harness.start { $0.latency = 1.5 }
        defer { Task { await harness.stop() } }
        var runner = harness.runner
        // Give up waiting at once, so the render is left submitted.
        runner.poller.deadline = .milliseconds(1)
        let first = try await #require(throws: RenderError.self) { try await runner.run(harness.request()) }
        #expect(first.exitCode == 4)
        await harness.control(SandboxControl(advanceClock: 3700))
        let error = try await #require(throws: RenderError.self) { try await harness.runner.resume(harness.job.path) }
        #expect(error.description.contains("expired"))

    }

    @Test func interruptedWhileWaitingThenResumedPaysOnce() async throws {
        let harness = try await Harness.start { $0.latency = 2 }
        defer { Task { await harness.stop() } }
        let runner = harness.runner, request = harness.request(), directory = harness.job.path
        let task = Task { try await runner.run(request) }
        // Wait for the journal to show the submission, then interrupt.
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? JobJournal.load(from: directory))?.stage != .submitted, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        let interrupted = await task.result
        guard case .failure(let error as RenderError) = interrupted else {
            Issue.record("expected the run to stop with a RenderError, got \(interrupted)")
            return
        }
        #expect(error.exitCode == 4)
        let resumed = try await harness.runner.resume(directory)
        #expect(resumed.journal.stage == .rendered)
        let ledger = await harness.ledger()
        #expect(ledger.submissions.count == 1 && ledger.charges.count == 1)
    }

    @Test func balanceAndMaxCostAreCheckedBeforeAnySubmit() async throws {
        let harness = try await Harness.start { $0.balance = 1 }
        defer { Task { await harness.stop() } }
        let poor = try await #require(throws: RenderError.self) { try await harness.runner.run(harness.request()) }
        #expect(poor.exitCode == 3)
        var capped = harness.request()
        capped.maxCostUSD = 1
        let other = TemporaryDirectory("avatarpipe-job4")
        defer { other.remove() }
        capped.jobDirectory = other.path
        let cap = try await #require(throws: RenderError.self) { try await harness.runner.run(capped) }
        #expect(cap.description.contains("--max-cost"))
        #expect(await harness.ledger().submissions.isEmpty)
    }

    @Test func serviceErrorsBecomeActionableMessages() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let endpoint = ServiceEndpoint(apiBase: harness.sandbox.baseURL, storageBase: harness.sandbox.baseURL, apiKey: "wrong-key")
        let wrongKey = try await #require(throws: RenderError.self) { try await SegmindClient(endpoint: endpoint).credits() }
        #expect(wrongKey.description.contains("401"))
        let client = harness.runner.client
        let bad = RenderParameters(videoTitle: "x", voiceID: "not-a-voice")
        let badRequest = try await #require(throws: RenderError.self) {
            try await client.submit(bad, imageURL: harness.sandbox.baseURL + "/assets/missing.png", audioURL: nil, jobDirectory: "/tmp")
        }
        #expect(badRequest.description.contains("400"))
        await harness.control(SandboxControl(failSubmits: .init(count: 1, status: 406)))
        let noCredits = try await #require(throws: RenderError.self) {
            try await client.submit(RenderParameters(videoTitle: "x", script: "Hi."), imageURL: "http://127.0.0.1:1/a.png", audioURL: nil,
                                    jobDirectory: "/tmp")
        }
        #expect(noCredits.exitCode == 3)
        #expect(await harness.ledger().submissions.isEmpty)
    }

    @Test func scriptOnlyRenderSpeaksTheScript() async throws {
        let harness = try await Harness.start()
        defer { Task { await harness.stop() } }
        let outcome = try await harness.runner.run(harness.request(audio: nil, script: "Hello there, this is a test."))
        #expect(outcome.journal.stage == .rendered)
        let duration = try #require(outcome.journal.render?.duration)
        #expect(duration > 1)
    }
}
