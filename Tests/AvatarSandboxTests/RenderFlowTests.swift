import AvatarHTTP
@testable import AvatarSandbox
import Foundation
import TestSupport
import Testing

/// The paths that end in a video: v2 submit → poll → response → download, and v1.
@Suite struct RenderFlowTests {
    @Test func v2EndToEndWithUploadedPNGAndMP3() async throws {
        try await Harness.with { api in
            let before = try await api.get("/v1/get-user-credits")
            #expect(api.object(before)["credits"] as? Double == 100)
            #expect(before.headers["x-remaining-credits"] == "100")

            let (image, audio) = try await api.uploadInputs()
            #expect(image.hasPrefix(api.base + "/assets/") && image.hasSuffix(".png"))
            #expect(audio.hasSuffix(".mp3"))
            let accepted = try await api.submitAccepted(["image_url": image, "audio_url": audio, "video_title": "Hello",
                                                         "script": "ignored: audio wins", "video_orientation": "landscape",
                                                         "fit": "cover", "custom_motion_prompt": "Subtle hand movements.",
                                                         "enhance_custom_motion_prompt": false])
            let id = try #require(accepted["request_id"] as? String)
            #expect(accepted["status"] as? String == "QUEUED")
            let statusURL = try #require(accepted["status_url"] as? String)
            #expect(statusURL == "\(api.base)/v2/requests/\(id)/status")
            #expect(accepted["poll_url"] as? String == statusURL)
            let responseURL = try #require(accepted["response_url"] as? String)

            let (final, seen) = try await api.waitForEnd(statusURL)
            #expect(final.status == 200)
            #expect(seen.last == "COMPLETED")
            let metrics = try #require(api.object(final)["metrics"] as? [String: Any])
            #expect(metrics["cost"] as? Double == 2.216)
            #expect(metrics["remaining_credits"] as? Double == 97.784)
            #expect(metrics["total_time"] is Double)

            let response = try await api.get(responseURL)
            #expect(response.status == 200)
            #expect(response.headers["x-remaining-credits"] == "97.784")
            let body = api.object(response)
            #expect(body["status"] as? String == "COMPLETED")
            let output = try #require(body["output"] as? String)
            #expect(output == "\(api.base)/outputs/\(id).mp4")

            let video = api.directory.file("render.mp4")
            let download = try await api.client.download(HTTPRequest(.get, output), to: video)
            #expect(download.response.status == 200)
            #expect(download.response.headers["Content-Type"] == "video/mp4")
            #expect(Judge.probeValue(video, entry: "stream=codec_name", stream: "v:0") == "h264")
            #expect(Judge.probeValue(video, entry: "stream=codec_name", stream: "a:0") == "aac")
            #expect(Judge.probeValue(video, entry: "stream=width", stream: "v:0") == "1280")
            #expect(Judge.probeValue(video, entry: "stream=height", stream: "v:0") == "720")
            let duration = Double(Judge.probeValue(video, entry: "format=duration")) ?? 0
            #expect(abs(duration - 2.5) < 0.2)

            let ledger = await api.sandbox.ledger()
            #expect(ledger.balance == 97.784)
            #expect(ledger.submissions.count == 1)
            let submission = try #require(ledger.submissions.first)
            #expect(submission.requestID == id)
            #expect(submission.history.map(\.status) == [.queued, .processing, .completed])
            #expect(submission.charged == 2.216)
            #expect(submission.body["video_title"]?.stringValue == "Hello")
            #expect(submission.outputURL == output)
            #expect(ledger.charges.map(\.requestID) == [id])
            #expect(ledger.rejected.isEmpty)
            #expect(ledger.uploads.count == 2)
            let after = try await api.get("/v1/get-user-credits")
            #expect(api.object(after)["credits"] as? Double == 97.784)
        }
    }

    @Test func scriptOnlyPortraitContainWithAnObjectOutput() async throws {
        try await Harness.with({ $0.outputShape = .object }) { api in
            let image = try await api.upload(Fixtures.photo, type: "image/png")
            let accepted = try await api.submitAccepted(["image_url": image, "video_title": "Portrait",
                                                         "script": "Hello there.", "video_orientation": "portrait",
                                                         "fit": "contain", "voice_id": "6d5ef2eb0cb94193b90dd3cb397ae898"])
            let (final, _) = try await api.waitForEnd(try #require(accepted["status_url"] as? String))
            #expect(api.object(final)["status"] as? String == "COMPLETED", "\(api.text(final))")
            let response = try await api.get(try #require(accepted["response_url"] as? String))
            let output = try #require(api.object(response)["output"] as? [String: Any])
            let url = try #require(output["video_url"] as? String)
            let video = api.directory.file("portrait.mp4")
            _ = try await api.client.download(HTTPRequest(.get, url), to: video)
            #expect(Judge.probeValue(video, entry: "stream=width", stream: "v:0") == "720")
            #expect(Judge.probeValue(video, entry: "stream=height", stream: "v:0") == "1280")
            #expect(Judge.probeValue(video, entry: "stream=codec_name", stream: "a:0") == "aac")
        }
    }

    @Test func v1AnswersWithTheVideoItself() async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            let response = try await api.submit(["image_url": image, "audio_url": audio, "video_title": "Sync"], version: "v1")
            #expect(response.status == 200, "\(api.text(response.prefixForMessage))")
            #expect(response.headers["Content-Type"] == "video/mp4")
            #expect(response.headers["x-remaining-credits"] == "97.784")
            #expect(response.headers["x-cost"] == "2.216")
            let id = try #require(response.headers["x-request-id"])
            let video = api.directory.file("v1.mp4")
            try response.body.write(to: URL(fileURLWithPath: video))
            #expect(Judge.probeValue(video, entry: "stream=codec_name", stream: "v:0") == "h264")
            #expect(Judge.probeValue(video, entry: "stream=width", stream: "v:0") == "1280")

            let ledger = await api.sandbox.ledger()
            #expect(ledger.submissions.map(\.requestID) == [id])
            #expect(ledger.submissions.first?.endpoint == "/v1/heygen-avatar-iv")
            #expect(ledger.charges.count == 1)
        }
    }

    @Test func v1CanAnswerWithJSONInstead() async throws {
        try await Harness.with({ $0.v1Answer = .json }) { api in
            let (image, audio) = try await api.uploadInputs()
            let response = try await api.submit(["image_url": image, "audio_url": audio, "video_title": "Sync"], version: "v1")
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "application/json")
            let body = api.object(response)
            #expect(body["status"] as? String == "COMPLETED")
            let url = try #require(body["output"] as? String)
            let video = api.directory.file("v1.mp4")
            let download = try await api.client.download(HTTPRequest(.get, url), to: video)
            #expect(download.size > 10_000)
        }
    }

    @Test func v1FailureIs422AndFree() async throws {
        try await Harness.with { api in
            let (image, audio) = try await api.uploadInputs()
            await api.sandbox.control(SandboxControl(failJobs: .init(reason: "no face found in the photo")))
            let response = try await api.submit(["image_url": image, "audio_url": audio, "video_title": "Sync"], version: "v1")
            #expect(response.status == 422)
            #expect(api.object(response)["status"] as? String == "FAILED")
            #expect(api.errorMessage(response) == "no face found in the photo")
            #expect(response.headers["x-remaining-credits"] == "100")
            #expect(await api.sandbox.ledger().charges.isEmpty)
        }
    }
}

extension HTTPResponse {
    /// The start of the body, for messages.
    var prefixForMessage: HTTPResponse {
        var copy = self
        copy.body = body.prefix(300)
        return copy
    }
}
