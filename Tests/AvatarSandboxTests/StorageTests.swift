import AvatarHTTP
@testable import AvatarSandbox
import Foundation
import TestSupport
import Testing

/// `POST /upload-asset` and the files it serves back.
@Suite struct StorageTests {
    @Test func uploadsComeBackWithTheirTypeAndExtension() async throws {
        try await Harness.with { api in
            let cases = [(Fixtures.photo, "image/png", ".png", "image/png"),
                         (Fixtures.generated("photo.jpg"), "image/jpeg", ".jpg", "image/jpeg"),
                         (Fixtures.generated("speech.mp3"), "audio/mpeg", ".mp3", "audio/mpeg")]
            for (path, type, suffix, served) in cases {
                let url = try await api.upload(path, type: type)
                #expect(url.hasSuffix(suffix))
                let response = try await api.client.send(HTTPRequest(.get, url))
                #expect(response.status == 200)
                #expect(response.headers["Content-Type"] == served)
                #expect(response.headers["Accept-Ranges"] == "bytes")
                #expect(response.body == fileData(path))
            }
            #expect(await api.sandbox.ledger().uploads.count == 3)
        }
    }

    @Test func wavIsRefusedByDefault() async throws {
        try await Harness.with { api in
            for type in ["audio/wav", "audio/x-wav"] {
                let response = try await api.uploadResponse(Fixtures.generated("speech-2.5s.wav"), type: type)
                #expect(response.status == 400)
                #expect(api.errorMessage(response).contains(type))
                #expect(api.errorMessage(response).contains("MP3"))
            }
            #expect(await api.sandbox.ledger().uploads.isEmpty)
        }
    }

    @Test func wavCanBeAccepted() async throws {
        try await Harness.with({ $0.acceptsWAVUploads = true }) { api in
            let url = try await api.upload(Fixtures.generated("speech-2.5s.wav"), type: "audio/wav")
            #expect(url.hasSuffix(".wav"))
            let response = try await api.client.send(HTTPRequest(.get, url))
            #expect(response.headers["Content-Type"] == "audio/wav")
        }
    }

    @Test func wavAcceptanceCanBeSwitchedAtRunTime() async throws {
        try await Harness.with { api in
            await api.sandbox.control(SandboxControl(acceptsWAVUploads: true))
            let response = try await api.uploadResponse(Fixtures.generated("speech-2.5s.wav"), type: "audio/wav")
            #expect(response.status == 200)
        }
    }

    @Test func badUploadsAre400() async throws {
        try await Harness.with { api in
            let bodies: [Data] = [
                Data("{}".utf8),
                Data(#"{"data_urls": []}"#.utf8),
                Data(#"{"data_urls": ["https://example.com/a.png"]}"#.utf8),
                Data(#"{"data_urls": ["data:image/png,plain"]}"#.utf8),
                Data(#"{"data_urls": ["data:image/png;base64,!!!"]}"#.utf8),
                Data(#"{"data_urls": ["data:application/zip;base64,AAAA"]}"#.utf8),
            ]
            for body in bodies {
                let response = try await api.post("/upload-asset", data: body)
                #expect(response.status == 400, "\(String(decoding: body, as: UTF8.self)): \(api.text(response))")
                #expect(!api.errorMessage(response).isEmpty)
            }
        }
    }

    @Test func uploadsOverTheLimitAre413() async throws {
        try await Harness.with({ $0.maxUploadFileBytes = 1000 }) { api in
            let response = try await api.uploadResponse(Fixtures.photo, type: "image/png")
            #expect(response.status == 413)
            #expect(api.errorMessage(response).contains("bytes"))
        }
    }

    @Test func headAnswersWithTheLengthAndNoBody() async throws {
        try await Harness.with { api in
            let url = try await api.upload(Fixtures.photo, type: "image/png")
            let response = try await api.client.send(HTTPRequest(.head, url))
            #expect(response.status == 200)
            #expect(response.headers["Content-Length"] == String(fileData(Fixtures.photo).count))
            #expect(response.body.isEmpty)
        }
    }
}
