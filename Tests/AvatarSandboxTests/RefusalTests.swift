import AvatarHTTP
@testable import AvatarSandbox
import Foundation
import TestSupport
import Testing

/// What the sandbox refuses before a job exists: nothing is started, nothing is charged.
@Suite struct RefusalTests {
    static let image = "http://127.0.0.1:9/photo.png"
    static let audio = "http://127.0.0.1:9/speech.mp3"
    nonisolated(unsafe) static let valid: [String: Any] = ["image_url": image, "audio_url": audio, "video_title": "Hello"]

    @Test func theKeyIsRequiredEverywhereButHealth() async throws {
        try await Harness.with { api in
            let keyed: [(String, String)] = [("POST", "/v2/heygen-avatar-iv"), ("POST", "/v1/heygen-avatar-iv"),
                                             ("GET", "/v2/requests/x/status"), ("GET", "/v2/requests/x"),
                                             ("GET", "/v1/get-user-credits"), ("POST", "/upload-asset"),
                                             ("GET", "/sandbox/ledger"), ("POST", "/sandbox/control")]
            for (method, path) in keyed {
                for key in [nil, "wrong-key", ""] as [String?] {
                    let response = method == "GET"
                        ? try await api.get(path, key: key, anonymous: key == nil)
                        : try await api.post(path, json: Self.valid, key: key, anonymous: key == nil)
                    #expect(response.status == 401, "\(method) \(path) with key \(key ?? "none")")
                    #expect(!api.errorMessage(response).isEmpty)
                    #expect(response.headers["x-remaining-credits"] == "100")
                }
            }
            let wrong = try await api.get("/v1/get-user-credits", key: "wrong-key")
            #expect(api.errorMessage(wrong).contains("invalid"))
            let missing = try await api.get("/v1/get-user-credits", anonymous: true)
            #expect(api.errorMessage(missing).contains("x-api-key"))
            #expect(try await api.get("/sandbox/health", anonymous: true).status == 200)
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.isEmpty)
            #expect(ledger.rejected.count == 6)
            #expect(ledger.rejected.allSatisfy { $0.status == 401 })
        }
    }

    nonisolated(unsafe) static let badBodies: [(String, [String: Any?], String)] = [
        ("no image", ["image_url": nil], "image_url"),
        ("image not a URL", ["image_url": "photo.png"], "image_url"),
        ("image not a string", ["image_url": 5], "image_url"),
        ("ftp image", ["image_url": "ftp://example.com/a.png"], "image_url"),
        ("no title", ["video_title": nil], "video_title"),
        ("empty title", ["video_title": "  "], "video_title"),
        ("no speech", ["audio_url": nil], "audio_url or script"),
        ("empty script", ["audio_url": nil, "script": " "], "script"),
        ("script too long", ["audio_url": nil, "script": String(repeating: "a", count: 5001)], "script"),
        ("audio not a URL", ["audio_url": "speech.mp3"], "audio_url"),
        ("short voice", ["voice_id": "f80e430f06b34b70"], "voice_id"),
        ("voice name", ["voice_id": "Onyx"], "voice_id"),
        ("orientation", ["video_orientation": "square"], "video_orientation"),
        ("fit", ["fit": "stretch"], "fit"),
        ("motion prompt", ["custom_motion_prompt": 3], "custom_motion_prompt"),
        ("enhance as string", ["enhance_custom_motion_prompt": "true"], "enhance_custom_motion_prompt"),
    ]

    @Test(arguments: badBodies.indices)
    func invalidParametersAre400sNamingTheParameter(_ index: Int) async throws {
        let (label, changes, parameter) = Self.badBodies[index]
        var body = Self.valid
        for (name, value) in changes { body[name] = value }
        try await Harness.with { api in
            for version in ["v2", "v1"] {
                let response = try await api.submit(body, version: version)
                #expect(response.status == 400, "\(label) on \(version): \(api.text(response))")
                #expect(api.errorMessage(response).contains(parameter), "\(label): \(api.errorMessage(response))")
                #expect(response.headers["x-remaining-credits"] == "100")
            }
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.isEmpty)
            #expect(ledger.rejected.map(\.status) == [400, 400])
        }
    }

    @Test func aBodyThatIsNotAJSONObjectIs400() async throws {
        try await Harness.with { api in
            for data in [Data("not json".utf8), Data("[1, 2]".utf8), Data()] {
                let response = try await api.post("/v2/heygen-avatar-iv", data: data)
                #expect(response.status == 400)
                #expect(api.errorMessage(response).contains("JSON") || api.errorMessage(response).contains("body"))
            }
        }
    }

    @Test func aBodyWithoutJSONContentTypeIs406() async throws {
        try await Harness.with { api in
            let data = try JSONSerialization.data(withJSONObject: Self.valid)
            let response = try await api.post("/v2/heygen-avatar-iv", data: data, contentType: nil)
            #expect(response.status == 406)
            #expect(api.errorMessage(response).contains("content type"))
        }
    }

    @Test func insufficientCreditsAre406() async throws {
        try await Harness.with({ $0.balance = 2.2 }) { api in
            let (image, audio) = try await api.uploadInputs()
            let response = try await api.submit(["image_url": image, "audio_url": audio, "video_title": "Poor"])
            #expect(response.status == 406)
            #expect(api.errorMessage(response).contains("Insufficient credits"))
            #expect(response.headers["x-remaining-credits"] == "2.2")
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.isEmpty)
            #expect(ledger.rejected.map(\.status) == [406])
        }
    }

    @Test func runningJobsCountAgainstTheBalance() async throws {
        try await Harness.with({ $0.balance = 3; $0.latency = 600 }) { api in
            let (image, audio) = try await api.uploadInputs()
            let body: [String: Any] = ["image_url": image, "audio_url": audio, "video_title": "One"]
            #expect(try await api.submit(body).status == 200)
            let second = try await api.submit(body)
            #expect(second.status == 406, "the first job's price is spoken for until it ends")
            #expect(second.headers["x-remaining-credits"] == "3")
        }
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        try await Harness.with({ $0.requestsPerMinute = 2 }) { api in
            var body = Self.valid
            body["video_title"] = nil
            #expect(try await api.submit(body).status == 400)
            #expect(try await api.submit(body).status == 400)
            let limited = try await api.submit(body)
            #expect(limited.status == 429)
            let retryAfter = try #require(limited.headers["Retry-After"].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(limited.headers["x-rate-limit-reset-at-utc"] != nil)
            #expect(limited.headers["x-remaining-credits"] == "100")
            #expect(try await api.get("/v1/get-user-credits").status == 200, "polls are not limited by default")

            await api.sandbox.control(SandboxControl(advanceClock: 61))
            #expect(try await api.submit(body).status == 400, "the window has slid past")
        }
    }

    @Test func theRateLimitCanCoverEveryKeyedRequest() async throws {
        try await Harness.with({ $0.requestsPerMinute = 1; $0.rateLimitScope = .all }) { api in
            #expect(try await api.get("/v1/get-user-credits").status == 200)
            let limited = try await api.get("/v2/requests/unknown/status")
            #expect(limited.status == 429)
            #expect(limited.headers["Retry-After"] != nil)
        }
    }

    @Test func unreachableOrMissingInputsAre400DownloadFailed() async throws {
        try await Harness.with { api in
            let image = try await api.upload(Fixtures.photo, type: "image/png")
            let cases: [[String: Any]] = [
                ["image_url": "http://127.0.0.1:9/photo.png", "script": "Hi", "video_title": "t"],
                ["image_url": "\(api.base)/assets/missing.png", "script": "Hi", "video_title": "t"],
                ["image_url": image, "audio_url": "\(api.base)/assets/missing.mp3", "video_title": "t"],
            ]
            for body in cases {
                let response = try await api.submit(body)
                #expect(response.status == 400)
                #expect(api.errorMessage(response).hasPrefix("download_failed"), "\(api.errorMessage(response))")
            }
            let missing = try await api.submit(cases[1])
            #expect(api.errorMessage(missing).contains("404"))
            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.isEmpty)
            #expect(ledger.rejected.count == 4)
        }
    }

    @Test func unknownRequestsAre404() async throws {
        try await Harness.with { api in
            for path in ["/v2/requests/nope/status", "/v2/requests/nope", "/outputs/nope.mp4", "/assets/nope.png",
                         "/v2/some-other-model", "/nowhere"] {
                let response = try await api.get(path)
                #expect(response.status == 404, "\(path)")
                #expect(!api.errorMessage(response).isEmpty, "\(path): \(api.text(response))")
                #expect(response.headers["x-remaining-credits"] == "100")
            }
        }
    }
}
