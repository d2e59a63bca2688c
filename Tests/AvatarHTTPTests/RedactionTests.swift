import AvatarHTTP
import Foundation
import TestSupport
import Testing

@Suite struct RedactionTests {
    let redactor = Redactor()
    let presigned = "https://bucket.s3.us-east-1.amazonaws.com/inputs/photo.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        + "&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z"
        + "&X-Amz-Expires=3600&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLETOKEN&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=0123456789abcdef0123456789abcdef"

    @Test func hidesCredentialHeaders() {
        #expect(redactor.header("X-API-Key", "sk-123") == "REDACTED")
        #expect(redactor.header("Authorization", "Bearer abc") == "REDACTED")
        #expect(redactor.header("Cookie", "a=b") == "REDACTED")
        #expect(redactor.header("Content-Type", "application/json") == "application/json")
    }

    @Test func hidesTheSignatureOfAPresignedURL() {
        let shown = redactor.url(presigned)
        #expect(shown.contains("X-Amz-Signature=REDACTED"))
        #expect(shown.contains("X-Amz-Credential=REDACTED"))
        #expect(shown.contains("X-Amz-Security-Token=REDACTED"))
        #expect(shown.contains("X-Amz-Expires=3600"), "what is not secret stays readable")
        #expect(!shown.contains("0123456789abcdef"))
        #expect(!shown.contains("AKIAEXAMPLE"))
        #expect(!shown.contains("FwoGZXIvYXdzEXAMPLETOKEN"))
        #expect(redactor.url("https://cdn.example.com/v.mp4?Expires=1&Signature=abc&Key-Pair-Id=K")
            == "https://cdn.example.com/v.mp4?Expires=1&Signature=REDACTED&Key-Pair-Id=K")
    }

    @Test func hidesAWholeQueryWhenAsked() {
        let whole = redactor.adding(.wholeQuery)
        #expect(whole.url("https://files.example.com/a.mp4?token=abc&exp=1#t=2") == "https://files.example.com/a.mp4?REDACTED#t=2")
        #expect(redactor.url("https://files.example.com/a.mp4?token=abc") == "https://files.example.com/a.mp4?token=abc")
    }

    @Test func hidesPasswordsInURLs() {
        #expect(redactor.url("https://user:hunter22@proxy.example.com:8080/x") == "https://user:REDACTED@proxy.example.com:8080/x")
    }

    @Test func hidesSecretsInFreeText() {
        #expect(redactor.text("x-api-key: sk-live-123") == "x-api-key: REDACTED")
        #expect(redactor.text("h2h3 [X-Api-Key: sk-live-123]") == "h2h3 [X-Api-Key: REDACTED]")
        #expect(redactor.text("GET /inputs/photo.png?X-Amz-Signature=abc&a=1 HTTP/1.1")
            == "GET /inputs/photo.png?X-Amz-Signature=REDACTED&a=1 HTTP/1.1")
        let sentence = redactor.adding(.wholeQuery).text("Issue another request to this URL: 'https://h/p?sig=1&t=2'")
        #expect(sentence == "Issue another request to this URL: 'https://h/p?REDACTED'")
        #expect(redactor.text("not-x-api-key: 1") == "not-x-api-key: 1")
    }

    @Test func hidesTheLiteralSecretsOfARequest() {
        let request = HTTPRequest(.post, presigned, headers: ["x-api-key": "sk-live-SECRET", "Authorization": "Bearer tok-ABCDEFG"])
        let knowing = redactor.knowing(request)
        #expect(knowing.text("the key sk-live-SECRET leaked") == "the key REDACTED leaked")
        #expect(knowing.text("token tok-ABCDEFG") == "token REDACTED")
        #expect(knowing.text("sig 0123456789abcdef0123456789abcdef") == "sig REDACTED")
        #expect(!request.description.contains("0123456789abcdef"))
    }

    @Test func theAPIKeyNeverAppearsInTracesOrErrors() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let key = "sk-live-DO-NOT-LEAK-0123456789"
        let log = TraceLog()
        let client = HTTPClient(trace: log.hook)
        let headers: HTTPHeaders = ["x-api-key": key, "Content-Type": "application/json"]
        let recorder = SleepRecorder()

        let answered = try #require(await httpError {
            try await client.send(HTTPRequest(.post, server.url("/status/500?X-Amz-Signature=\(key)"), headers: headers,
                                              body: .data(Data("{}".utf8))),
                                  retry: recorder.policy(.submit()))
        })
        let unreachable = try #require(await httpError {
            try await client.send(HTTPRequest(.post, "http://127.0.0.1:\(Loopback.closedPort())/v2?Signature=\(key)", headers: headers))
        })
        let dropped = try #require(await httpError {
            try await client.send(HTTPRequest(.post, server.url("/drop?X-Amz-Credential=\(key)"), headers: headers))
        })

        for error in [answered, unreachable, dropped] {
            #expect(!error.description.contains(key))
            #expect(!error.url.contains(key))
            #expect(!(error.response?.url.contains(key) ?? false))
        }
        #expect(answered.description.contains("X-Amz-Signature=REDACTED"))
        let lines = log.lines
        #expect(lines.contains("> x-api-key: REDACTED"), "the header is traced, without its value")
        #expect(lines.contains { $0.hasPrefix("> POST /status/500?X-Amz-Signature=REDACTED") })
        #expect(lines.allSatisfy { !$0.contains(key) })
    }
}
