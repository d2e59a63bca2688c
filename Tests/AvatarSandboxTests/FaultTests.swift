import AvatarHTTP
@testable import AvatarSandbox
import Foundation
import TestSupport
import Testing

/// Injected faults, FAILED jobs and expiry: the cases a client must survive without paying twice.
@Suite struct FaultTests {
    @Test func a503IsRetriedAndTheSecondSubmitIsTheOnlyJob() async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            await api.sandbox.control(SandboxControl(failSubmits: .init(count: 1, status: 503, retryAfter: 2)))
            let sleeps = Sleeps()
            let response = try await api.submit(["image_url": image, "audio_url": audio, "video_title": "Retry"],
                                                retry: sleeps.policy(.submit()))
            #expect(response.status == 200)
            #expect(response.retries.map(\.reason) == [.status(503)])
            #expect(sleeps.delays == [.seconds(2)], "Retry-After was honoured")
            let id = try #require(api.object(response)["request_id"] as? String)
            let done = try await api.waitForLedgerEnd(id)
            #expect(done.status == .completed)

            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.map(\.requestID) == [id])
            #expect(ledger.rejected.map(\.status) == [503])
            #expect(ledger.charges.count == 1)
            #expect(ledger.balance == 97.784)
        }
    }

    @Test(arguments: [500, 502, 504])
    func anAmbiguousStatusIsNotRetried(_ status: Int) async throws {
        try await Harness.with { api in
            await api.sandbox.control(SandboxControl(failSubmits: .init(count: 1, status: status)))
            let sleeps = Sleeps()
            let error = try #require(await httpError {
                try await api.submit(RefusalTests.valid, retry: sleeps.policy(.submit()))
            })
            #expect(error.kind == .status(status))
            #expect(error.mayHaveBeenAccepted)
            #expect(sleeps.delays.isEmpty)
            #expect(error.response?.headers["x-remaining-credits"] == "100")
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.isEmpty)
            #expect(ledger.rejected.map(\.status) == [status])
        }
    }

    @Test func anInjected429CarriesRetryAfter() async throws {
        try await Harness.with { api in
            await api.sandbox.control(SandboxControl(failSubmits: .init(count: 1, status: 429, retryAfter: 7)))
            let response = try await api.submit(RefusalTests.valid)
            #expect(response.status == 429)
            #expect(response.headers["Retry-After"] == "7")
            #expect(response.headers["x-rate-limit-reset-at-utc"] != nil)
        }
    }

    @Test(arguments: ["v2", "v1"])
    func aDroppedSubmitStillRendersAndIsChargedOnce(_ version: String) async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            await api.sandbox.control(SandboxControl(dropSubmits: 1))
            let sleeps = Sleeps()
            let error = try #require(await httpError {
                try await api.submit(["image_url": image, "audio_url": audio, "video_title": "Dropped"],
                                     version: version, retry: sleeps.policy(.submit()))
            })
            #expect(error.kind == .connectionLost)
            #expect(error.requestSent)
            #expect(error.mayHaveBeenAccepted)
            #expect(sleeps.delays.isEmpty, "a submit that may have been accepted is not sent again")

            let submissions = await api.sandbox.ledger().submissions
            #expect(submissions.count == 1)
            let submission = try #require(submissions.first)
            #expect(submission.connectionDropped)
            #expect(submission.endpoint == "/\(version)/heygen-avatar-iv")
            let done = try await api.waitForLedgerEnd(submission.requestID)
            #expect(done.status == .completed)
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.count == 1)
            #expect(ledger.charges.map(\.requestID) == [submission.requestID])
            #expect(ledger.balance == 97.784)
            // The job can be followed by its id, as `resume` would.
            let status = try await api.get("/v2/requests/\(submission.requestID)/status")
            #expect(api.object(status)["status"] as? String == "COMPLETED")
        }
    }

    @Test func failedPollsAnswer500ThenRecover() async throws {
        try await Harness.with { api in
            await api.sandbox.control(SandboxControl(failPolls: .init(count: 2, status: 500)))
            let first = try await api.get("/v2/requests/nope/status")
            let second = try await api.get("/v2/requests/nope")
            let third = try await api.get("/v2/requests/nope/status")
            #expect([first.status, second.status, third.status] == [Int](arrayLiteral: 500, 500, 404))
            #expect(first.headers["x-remaining-credits"] == "100")
        }
    }

    @Test func aTruncatedDownloadResumesWithRange() async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            let accepted = try await api.submitAccepted(["image_url": image, "audio_url": audio, "video_title": "Cut"])
            _ = try await api.waitForEnd(try #require(accepted["status_url"] as? String))
            let response = try await api.get(try #require(accepted["response_url"] as? String))
            let url = try #require(api.object(response)["output"] as? String)
            let whole = api.directory.file("whole.mp4")
            let size = try await api.client.download(HTTPRequest(.get, url), to: whole).size
            #expect(size > 100_000)

            await api.sandbox.control(SandboxControl(truncateDownloads: .init(count: 1, afterBytes: 40_000)))
            let path = api.directory.file("cut.mp4")
            let error = try #require(await httpError { try await api.client.download(HTTPRequest(.get, url), to: path) })
            #expect(error.kind == .connectionLost)
            let partial = Int64(fileData(path).count)
            #expect(partial > 0 && partial <= 40_000)

            let resumed = try await api.client.download(HTTPRequest(.get, url), to: path, resumingFrom: partial)
            #expect(resumed.response.status == 206)
            #expect(resumed.resumedFrom == partial)
            #expect(fileData(path) == fileData(whole))

            // With a retry policy the client resumes by itself, with If-Range.
            await api.sandbox.control(SandboxControl(truncateDownloads: .init(count: 1, afterBytes: 70_000)))
            let again = api.directory.file("again.mp4")
            let retried = try await api.client.download(HTTPRequest(.get, url), to: again, retry: Sleeps().policy(.idempotent()))
            #expect(retried.response.retries.map(\.reason) == [.failure(.connectionLost)])
            #expect(retried.response.status == 206)
            #expect(fileData(again) == fileData(whole))
            #expect(await api.sandbox.ledger().charges.count == 1, "downloads cost nothing")
        }
    }

    @Test func rangesPastTheEndAre416() async throws {
        try await Harness.with { api in
            let url = try await api.upload(Fixtures.photo, type: "image/png")
            let size = fileData(Fixtures.photo).count
            var request = HTTPRequest(.get, url)
            request.headers.set("Range", "bytes=\(size)-")
            let response = try await api.client.send(request)
            #expect(response.status == 416)
            #expect(response.headers["Content-Range"] == "bytes */\(size)")
            request.headers.set("Range", "bytes=-100")
            let tail = try await api.client.send(request)
            #expect(tail.status == 206)
            #expect(tail.body == fileData(Fixtures.photo).suffix(100))
            #expect(tail.headers["Content-Range"] == "bytes \(size - 100)-\(size - 1)/\(size)")
            request.headers.set("If-Range", "\"stale\"")
            let stale = try await api.client.send(request)
            #expect(stale.status == 200, "an If-Range that does not match gets the whole file")
            #expect(stale.body.count == size)
        }
    }

    @Test func aForcedFailureIs422WithTheReasonAndFree() async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            let control = try await api.post("/sandbox/control",
                                              json: ["fail_jobs": ["count": 1, "reason": "Avatar IV could not find a face"]])
            #expect(control.status == 200)
            let armed = api.object(control)["armed"] as? [String: Any]
            #expect(armed?["fail_jobs"] != nil)

            let accepted = try await api.submitAccepted(["image_url": image, "audio_url": audio, "video_title": "Fail"])
            let (status, seen) = try await api.waitForEnd(try #require(accepted["status_url"] as? String))
            #expect(status.status == 422)
            #expect(seen.last == "FAILED")
            let body = api.object(status)
            #expect(body["error"] as? String == "Avatar IV could not find a face")
            let metrics = try #require(body["metrics"] as? [String: Any])
            #expect(metrics["cost"] == nil, "nothing was charged")
            #expect(metrics["total_time"] != nil)
            let response = try await api.get(try #require(accepted["response_url"] as? String))
            #expect(response.status == 422)
            #expect(api.object(response)["output"] == nil)
            #expect(response.headers["x-remaining-credits"] == "100")
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.first?.status == .failed)
            #expect(ledger.charges.isEmpty)

            let next = try await api.submitAccepted(["image_url": image, "audio_url": audio, "video_title": "OK"])
            let (final, _) = try await api.waitForEnd(try #require(next["status_url"] as? String))
            #expect(final.status == 200, "only the next job was failed")
        }
    }

    static let badInputs: [(file: String, type: String, isAudio: Bool, expected: String)] = [
        ("photo.jpg", "image/png", false, "ends in .png but holds JPEG"),
        ("text.png", "image/png", false, "not an image"),
        ("photo-200.png", "image/png", false, "at least 512"),
        ("photo-2400.png", "image/png", false, "under 2048"),
        ("photo.webp", "image/webp", false, "JPG or PNG"),
        ("speech.mp3", "audio/wav", true, "ends in .wav but holds MP3"),
        ("text.wav", "audio/wav", true, "WAV or MP3"),
        ("speech.ogg", "audio/mpeg", true, "WAV or MP3"),
        ("speech-11min.wav", "audio/wav", true, "at most 600"),
    ]

    @Test(arguments: badInputs.indices)
    func unusableInputsMakeTheJobFail(_ index: Int) async throws {
        let bad = Self.badInputs[index]
        try await Harness.with({ $0.acceptsWAVUploads = true }) { api in
            let url = try await api.upload(Fixtures.generated(bad.file), type: bad.type)
            let image = bad.isAudio ? try await api.upload(Fixtures.photo, type: "image/png") : url
            let audio = bad.isAudio ? url : try await api.upload(try api.shortMP3(), type: "audio/mpeg")
            let accepted = try await api.submitAccepted(["image_url": image, "audio_url": audio, "video_title": bad.file])
            let (status, _) = try await api.waitForEnd(try #require(accepted["status_url"] as? String))
            #expect(status.status == 422)
            #expect(api.errorMessage(status).contains(bad.expected), "\(bad.file): \(api.errorMessage(status))")
            #expect(await api.sandbox.ledger().charges.isEmpty)
        }
    }

    @Test func resultsExpireAnHourAfterSubmission() async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            let accepted = try await api.submitAccepted(["image_url": image, "audio_url": audio, "video_title": "Old"])
            let statusURL = try #require(accepted["status_url"] as? String)
            let responseURL = try #require(accepted["response_url"] as? String)
            _ = try await api.waitForEnd(statusURL)
            let output = try #require(api.object(try await api.get(responseURL))["output"] as? String)
            #expect(try await api.client.send(HTTPRequest(.get, output)).status == 200)

            await api.sandbox.control(SandboxControl(advanceClock: 3000))
            #expect(try await api.get(statusURL).status == 200)
            await api.sandbox.control(SandboxControl(advanceClock: 601))
            for url in [statusURL, responseURL] {
                let response = try await api.get(url)
                #expect(response.status == 404)
                #expect(api.errorMessage(response).contains("expired"), "\(api.errorMessage(response))")
            }
            let video = try await api.client.send(HTTPRequest(.get, output))
            #expect(video.status == 404)
            #expect(api.errorMessage(video).contains("expired"))
            #expect(await api.sandbox.ledger().submissions.first?.expired == true)
        }
    }

    @Test func aShortLifetimeExpiresResultsAtOnce() async throws {
        try await Harness.with({ $0.resultLifetime = 3600 }) { api in
            let image = try await api.upload(Fixtures.photo, type: "image/png")
            await api.sandbox.control(SandboxControl(failJobs: .init(reason: "stopped early")))
            let accepted = try await api.submitAccepted(["image_url": image, "script": "Hi", "video_title": "Brief"])
            let statusURL = try #require(accepted["status_url"] as? String)
            _ = try await api.waitForEnd(statusURL)
            let settings = try await api.post("/sandbox/control", json: ["result_lifetime": 0])
            #expect(api.object(settings)["result_lifetime"] as? Double == 0)
            let response = try await api.get(statusURL)
            #expect(response.status == 404)
            #expect(api.errorMessage(response).contains("expired"))
        }
    }
}
