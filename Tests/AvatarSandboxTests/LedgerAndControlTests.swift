import AvatarHTTP
@testable import AvatarSandbox
import Foundation
import TestSupport
import Testing

@Suite struct LedgerAndControlTests {
    static let secret = "sk-test-5f0c28d0533f91b218f7"

    @Test func theKeyNeverReachesTheLedgerOrTheLog() async throws {
        try await Harness.with({ $0.key = Self.secret }) { api in
            let image = try await api.upload(Fixtures.photo, type: "image/png")
            await api.sandbox.control(SandboxControl(failJobs: .init(reason: "no render needed")))
            // A careless client that puts the key in the body and in a URL.
            let accepted = try await api.submitAccepted(["image_url": image, "script": "Hi \(Self.secret)",
                                                         "video_title": Self.secret, "custom_motion_prompt": "k=\(Self.secret)"])
            _ = try await api.waitForEnd(try #require(accepted["status_url"] as? String))
            _ = try await api.get("/v1/get-user-credits?api_key=\(Self.secret)")
            _ = try await api.get("/v1/get-user-credits", key: Self.secret + "x")
            _ = try await api.post("/v2/heygen-avatar-iv", json: ["video_title": Self.secret], key: "wrong")

            let raw = try await api.get("/sandbox/ledger")
            #expect(raw.status == 200)
            #expect(!api.text(raw).contains(Self.secret))
            #expect(api.text(raw).contains("[redacted]"))
            let encoded = try JSONEncoder().encode(await api.sandbox.ledger())
            #expect(!String(decoding: encoded, as: UTF8.self).contains(Self.secret))
            let log = api.logs.all.joined(separator: "\n")
            #expect(!log.isEmpty)
            #expect(!log.contains(Self.secret))
            #expect(log.contains("GET /v1/get-user-credits → 200"))
        }
    }

    @Test func theLedgerListsRefusalsAndSubmissionsInOrder() async throws {
        try await Harness.with { api in
            let image = try await api.upload(Fixtures.photo, type: "image/png")
            await api.sandbox.control(SandboxControl(failJobs: .init(count: 2, reason: "told to")))
            _ = try await api.submit(["image_url": image, "video_title": "no speech"])
            let first = try await api.submitAccepted(["image_url": image, "script": "One", "video_title": "1"])
            let second = try await api.submitAccepted(["image_url": image, "script": "Two", "video_title": "2"])
            for accepted in [first, second] {
                _ = try await api.waitForEnd(try #require(accepted["status_url"] as? String))
            }
            let response = try await api.get("/sandbox/ledger")
            let ledger = api.object(response)
            let submissions = try #require(ledger["submissions"] as? [[String: Any]])
            #expect(submissions.compactMap { $0["request_id"] as? String }
                == [first["request_id"] as? String, second["request_id"] as? String].compactMap { $0 })
            #expect(submissions.allSatisfy { $0["status"] as? String == "FAILED" && $0["submitted_at"] is String })
            let body = try #require(submissions.first?["body"] as? [String: Any])
            #expect(body["script"] as? String == "One")
            let rejected = try #require(ledger["rejected"] as? [[String: Any]])
            #expect(rejected.map { $0["status"] as? Int } == [400])
            #expect(ledger["balance"] as? Double == 100)
        }
    }

    @Test func controlChangesSettingsAndReportsThem() async throws {
        try await Harness.with { api in
            let response = try await api.post("/sandbox/control", json: [
                "balance": 12.5, "price": 1, "requests_per_minute": 10, "rate_limit_scope": "all",
                "latency": 0.5, "output_shape": "object", "v1_answer": "json", "accepts_wav_uploads": true,
                "drop_submits": 2, "fail_polls": ["count": 1], "truncate_downloads": ["after_bytes": 10],
            ])
            #expect(response.status == 200, "\(api.text(response))")
            let settings = api.object(response)
            #expect(settings["balance"] as? Double == 12.5)
            #expect(settings["requests_per_minute"] as? Int == 10)
            #expect(settings["output_shape"] as? String == "object")
            let armed = try #require(settings["armed"] as? [String: Any])
            #expect(armed["drop_submits"] as? Int == 2)
            #expect((armed["fail_polls"] as? [String: Any])?["status"] as? Int == 500)
            #expect((armed["truncate_downloads"] as? [String: Any])?["count"] as? Int == 1)
            let credits = try await api.get("/v1/get-user-credits")
            #expect(api.object(credits)["credits"] as? Double == 12.5)
            #expect(credits.headers["x-remaining-credits"] == "12.5")

            let cleared = await api.sandbox.control(SandboxControl(clearFaults: true, requestsPerMinute: 0))
            #expect(cleared.armed == SandboxControl())
            #expect(cleared.requestsPerMinute == nil)

            let bad = try await api.post("/sandbox/control", data: Data(#"{"balance": "lots"}"#.utf8))
            #expect(bad.status == 400)
        }
    }

    @Test func startsOnTheAskedPortAndRefusesABusyOne() async throws {
        try await Harness.with { api in
            var configuration = SandboxConfiguration()
            configuration.port = api.sandbox.port
            do {
                let second = try await Sandbox.start(configuration)
                try await second.stop()
                Issue.record("a second sandbox started on a port in use")
            } catch {
                #expect(error is SandboxError)
                #expect("\(error)".contains("\(api.sandbox.port)"))
            }
            #expect(api.base == "http://127.0.0.1:\(api.sandbox.port)")
        }
    }

    @Test func stopRemovesItsDirectoryAndIsIdempotent() async throws {
        var configuration = SandboxConfiguration()
        configuration.latency = 0
        let sandbox = try await Sandbox.start(configuration)
        #expect(FileManager.default.fileExists(atPath: sandbox.directory))
        try await sandbox.stop()
        try await sandbox.stop()
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory))
        let error = await httpError { try await HTTPClient().send(HTTPRequest(.get, sandbox.baseURL + "/sandbox/health")) }
        #expect(error?.kind == .cannotConnect)
    }

    @Test func stopCancelsJobsStillQueued() async throws {
        var configuration = SandboxConfiguration()
        configuration.latency = 600
        let sandbox = try await Sandbox.start(configuration)
        let api = Harness(sandbox: sandbox, logs: LogLines(), directory: TemporaryDirectory("avatarsandbox-test"))
        defer { api.directory.remove() }
        do {
            let image = try await api.upload(Fixtures.photo, type: "image/png")
            _ = try await api.submitAccepted(["image_url": image, "script": "Hi", "video_title": "Slow"])
        } catch {
            try? await sandbox.stop()
            throw error
        }
        try await sandbox.stop()
        let ledger = await sandbox.ledger()
        #expect(ledger.submissions.first?.status == .failed)
        #expect(ledger.charges.isEmpty)
    }
}

/// The pure parts: ranges, parameters, data URLs.
@Suite struct SandboxUnitTests {
    @Test func byteRanges() {
        #expect(ByteRangeRequest(nil, size: 100) == .whole)
        #expect(ByteRangeRequest("bytes=0-9", size: 100) == .partial(0...9))
        #expect(ByteRangeRequest("bytes=90-", size: 100) == .partial(90...99))
        #expect(ByteRangeRequest("bytes=90-200", size: 100) == .partial(90...99))
        #expect(ByteRangeRequest("bytes=-10", size: 100) == .partial(90...99))
        #expect(ByteRangeRequest("bytes=-1000", size: 100) == .partial(0...99))
        #expect(ByteRangeRequest("bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRangeRequest("bytes=-0", size: 100) == .unsatisfiable)
        #expect(ByteRangeRequest("bytes=5-1", size: 100) == .whole)
        #expect(ByteRangeRequest("bytes=0-1,5-6", size: 100) == .whole)
        #expect(ByteRangeRequest("items=0-1", size: 100) == .whole)
    }

    @Test func parametersTakeDefaultsAndAudioWins() throws {
        let data = Data(#"{"image_url": "https://x.test/a.png", "video_title": "t", "audio_url": "https://x.test/a.mp3", "script": "s"}"#.utf8)
        let (parameters, body) = try AvatarParameters.parse(data)
        #expect(parameters.audioURL == "https://x.test/a.mp3")
        #expect(parameters.voiceID == "f80e430f06b34b70b275c9c746436e37")
        #expect(parameters.orientation == .landscape)
        #expect(parameters.fit == .cover)
        #expect(parameters.enhanceMotionPrompt == false)
        #expect(body["script"]?.stringValue == "s")
    }

    @Test func dataURLs() {
        guard case .parsed(let png) = DataURL.parse("data:image/png;base64,iVBORw0KGgo=") else {
            Issue.record("a PNG data URL did not parse")
            return
        }
        #expect(png.type == "image/png")
        #expect(png.bytes.count == 8)
        #expect(DataURL.suffix(for: "audio/wav", acceptsWAV: false) == nil)
        #expect(DataURL.suffix(for: "audio/wav", acceptsWAV: true) == "wav")
        #expect(DataURL.suffix(for: "audio/mpeg", acceptsWAV: false) == "mp3")
        if case .parsed = DataURL.parse("data:image/png,raw") { Issue.record("a data URL without base64 was taken") }
    }

    @Test func creditsPrintWithoutNoise() {
        #expect(Credits.text(SandboxState.money(100 - 2.216)) == "97.784")
        #expect(Credits.text(100) == "100")
        #expect(Credits.text(SandboxState.money(0.1 + 0.2)) == "0.3")
    }
}
