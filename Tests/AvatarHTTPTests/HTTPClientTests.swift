import AvatarHTTP
import Foundation
import TestSupport
import Testing

@Suite struct HTTPClientTests {
    let client = HTTPClient()

    @Test func postsJSONAndReadsTheAnswer() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let body = Data(#"{"video_title":"hello"}"#.utf8)
        let request = HTTPRequest(.post, server.url("/echo?x=1"),
                                  headers: ["Content-Type": "application/json", "X-Custom": "value 1"],
                                  body: .data(body))
        let response = try await client.send(request)

        #expect(response.status == 200)
        #expect(response.headers["CONTENT-TYPE"] == "application/json")
        #expect(response.httpVersion == .http1_1)
        #expect(response.url == server.url("/echo?x=1"))
        #expect(response.attempts == 1)
        let echo = json(response)
        #expect(echo["method"] as? String == "POST")
        #expect(echo["query"] as? String == "x=1")
        #expect(echo["body"] as? String == #"{"video_title":"hello"}"#)
        let headers = echo["headers"] as? [String: String] ?? [:]
        #expect(headers["x-custom"] == "value 1")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["content-length"] == "\(body.count)")
    }

    @Test func getsWithoutABody() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(.get, server.url("/echo")))
        let echo = json(response)
        #expect(echo["method"] as? String == "GET")
        #expect(echo["body_length"] as? Int == 0)
        let headers = echo["headers"] as? [String: String] ?? [:]
        #expect(headers["accept-encoding"] != nil, "libcurl offers the encodings it can decode")
    }

    @Test func runsManyTransfersAtOnce() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<24 {
                group.addTask { try await client.send(HTTPRequest(.get, server.url("/echo?n=\(index)"))).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 24))
    }

    @Test(arguments: [HTTPMethod.put, .post])
    func uploadsAFileFromDisk(method: HTTPMethod) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let directory = TemporaryDirectory("avatarhttp")
        defer { directory.remove() }
        let path = directory.file("upload.bin")
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try bytes.write(to: URL(fileURLWithPath: path))

        let request = HTTPRequest(method, server.url("/upload"), headers: ["Content-Type": "application/octet-stream"],
                                  body: .file(path: path))
        let response = try await client.send(request)

        #expect(response.status == 200)
        let echo = json(response)
        #expect(echo["method"] as? String == method.rawValue)
        #expect(echo["body_length"] as? Int == bytes.count)
        #expect(echo["body_sha256"] as? String == sha256(ofFile: path))
    }

    @Test func uploadsTheDeclaredLengthOfAFile() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let directory = TemporaryDirectory("avatarhttp")
        defer { directory.remove() }
        let path = directory.file("upload.txt")
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: path))

        let response = try await client.send(HTTPRequest(.put, server.url("/upload"), body: .file(path: path, length: 5)))
        #expect(json(response)["body"] as? String == "hello")

        let tooLong = await httpError {
            try await client.send(HTTPRequest(.put, server.url("/upload"), body: .file(path: path, length: 500)))
        }
        #expect(tooLong?.kind == .file)
        #expect(tooLong?.requestSent == false)
        let missing = await httpError {
            try await client.send(HTTPRequest(.put, server.url("/upload"), body: .file(path: directory.file("none"))))
        }
        #expect(missing?.kind == .file)
        #expect(missing?.description.contains("none") == true)
    }

    @Test func aClosedPortMeansNothingWasSent() async throws {
        let url = "http://127.0.0.1:\(Loopback.closedPort())/v2/render"
        let error = try #require(await httpError {
            try await client.send(HTTPRequest(.post, url, body: .data(Data("{}".utf8))))
        })
        #expect(error.kind == .cannotConnect)
        #expect(error.requestSent == false)
        #expect(error.mayHaveBeenAccepted == false)
        #expect(error.curlCode == 7)
        #expect(error.description.contains("nothing was sent"))
    }

    @Test func aConnectionDroppedAfterTheBodyMayHaveBeenAccepted() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        // Leave an idle connection in the cache: libcurl would re-send a POST on it if it
        // were reused and died, so a POST must go out on a fresh one.
        _ = try await client.send(HTTPRequest(.get, server.url("/echo")))

        let error = try #require(await httpError {
            try await client.send(HTTPRequest(.post, server.url("/drop?key=drop"), body: .data(Data("{}".utf8))))
        })
        #expect(error.kind == .connectionLost)
        #expect(error.requestSent)
        #expect(error.mayHaveBeenAccepted)
        #expect(error.curlCode == 52 || error.curlCode == 56)  // empty reply, or reset
        #expect(error.description.contains("may have acted on it"))
        #expect(try await server.hits("drop").hits == 1)
    }

    @Test func followsRedirectsOnlyForGetsWithoutCredentials() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let followed = try await client.send(HTTPRequest(.get, server.url("/redirect?to=/echo")))
        #expect(followed.status == 200)
        #expect(followed.url == server.url("/echo"))

        let posted = try await client.send(HTTPRequest(.post, server.url("/redirect?to=/echo"), body: .data(Data())))
        #expect(posted.status == 302)

        let keyed = try await client.send(HTTPRequest(.get, server.url("/redirect?to=/echo"), headers: ["x-api-key": "sk-123456"]))
        #expect(keyed.status == 302)
        #expect(keyed.headers["Location"] == "/echo")
    }

    @Test func refusesAnAnswerLargerThanTheLimit() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        var request = HTTPRequest(.get, server.url("/file?size=100000"))
        request.maxResponseBytes = 1000
        let error = await httpError { try await client.send(request) }
        #expect(error?.kind == .bodyTooLarge)
    }

    @Test func refusesAHeaderWithALineBreak() async throws {
        let request = HTTPRequest(.get, "http://127.0.0.1:9/", headers: ["X-Bad": "a\r\nx-injected: 1"])
        let error = await httpError { try await client.send(request) }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.requestSent == false)
    }

    @Test func aServerSilentAfterTheBodyTimesOut() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/stall?seconds=10&key=stall"), body: .data(Data("{}".utf8)),
                                  timeouts: HTTPTimeouts(lowSpeedLimit: 1, lowSpeedTime: .seconds(1)))
        let error = try #require(await httpError {
            try await client.send(request, retry: recorder.policy(.submit()))
        })
        #expect(error.kind == .timedOut)
        #expect(error.requestSent)
        #expect(error.mayHaveBeenAccepted)
        #expect(recorder.delays.isEmpty, "a paid submit that timed out is not sent again")
        #expect(try await server.hits("stall").hits == 1)
    }

    @Test func checksCertificates() async throws {
        let directory = TemporaryDirectory("avatarhttp-tls")
        defer { directory.remove() }
        let certificate = directory.file("cert.pem"), key = directory.file("key.pem")
        let made = await Shell.run(Shell.which("openssl") ?? "/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let server = try await TestServer.start(tls: (certificate, key))
        defer { server.stop() }

        let error = try #require(await httpError {
            try await client.send(HTTPRequest(.post, server.url("/echo?key=tls"), body: .data(Data("{}".utf8))))
        })
        #expect(error.kind == .tls)
        #expect(error.requestSent == false)
        #expect(error.mayHaveBeenAccepted == false)
    }
}
