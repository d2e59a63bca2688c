import AvatarHTTP
import Foundation
import TestSupport
import Testing

/// The retry policies against a real server; the delays are recorded, never waited.
@Suite struct RetryTests {
    let client = HTTPClient()
    let body = HTTPRequest.Body.data(Data(#"{"image_url":"x"}"#.utf8))

    @Test(arguments: [500, 502, 504])
    func submitDoesNotRetryAnAmbiguousServerError(status: Int) async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/flaky?key=k&failures=5&status=\(status)"), body: body)

        let error = try #require(await httpError { try await client.send(request, retry: recorder.policy(.submit())) })
        #expect(error.kind == .status(status))
        #expect(error.mayHaveBeenAccepted)
        #expect(error.response?.status == status)
        #expect(error.attempts == 1)
        #expect(recorder.delays.isEmpty)
        #expect(try await server.hits("k").hits == 1)
    }

    @Test func submitDoesNotRetryADroppedConnection() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/flaky?key=k&failures=5&mode=drop"), body: body)

        let error = try #require(await httpError { try await client.send(request, retry: recorder.policy(.submit())) })
        #expect(error.kind == .connectionLost)
        #expect(error.mayHaveBeenAccepted)
        #expect(recorder.delays.isEmpty)
        #expect(try await server.hits("k").hits == 1)
    }

    @Test func submitRetries429And503AfterRetryAfter() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/flaky?key=k&failures=2&status=429,503&retry_after=7"), body: body)

        let response = try await client.send(request, retry: recorder.policy(.submit()))
        #expect(response.status == 200)
        #expect(response.attempts == 3)
        #expect(response.retries.map(\.reason) == [.status(429), .status(503)])
        #expect(recorder.delays == [.seconds(7), .seconds(7)])
        #expect(try await server.hits("k").hits == 3)
    }

    @Test func submitBacksOffExponentiallyWithoutRetryAfter() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/flaky?key=k&failures=3&status=503"), body: body)

        let response = try await client.send(request, retry: recorder.policy(.submit(), random: 0.5))
        #expect(response.status == 200)
        // Equal jitter: half of 0.5 s, 1 s, 2 s fixed, the other half times random() = 0.5.
        #expect(recorder.delays == [.milliseconds(375), .milliseconds(750), .milliseconds(1500)])
    }

    @Test func retryAfterIsCapped() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/flaky?key=k&failures=1&status=429&retry_after=3600"), body: body)

        _ = try await client.send(request, retry: recorder.policy(.submit()))
        #expect(recorder.delays == [.seconds(60)])
    }

    @Test func submitGivesBackTheLastRefusalWhenAttemptsRunOut() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, server.url("/flaky?key=k&failures=9&status=503"), body: body)

        let response = try await client.send(request, retry: recorder.policy(.submit(maxAttempts: 3)))
        #expect(response.status == 503)
        #expect(response.attempts == 3)
        #expect(recorder.delays.count == 2)
    }

    @Test func submitRetriesWhenNothingWasSent() async throws {
        let recorder = SleepRecorder()
        let request = HTTPRequest(.post, "http://127.0.0.1:\(Loopback.closedPort())/v2/render", body: body)

        let error = try #require(await httpError { try await client.send(request, retry: recorder.policy(.submit(maxAttempts: 3))) })
        #expect(error.kind == .cannotConnect)
        #expect(error.mayHaveBeenAccepted == false)
        #expect(error.attempts == 3)
        #expect(error.retries.map(\.reason) == [.failure(.cannotConnect), .failure(.cannotConnect)])
        #expect(recorder.delays.count == 2)
    }

    @Test func idempotentRetries500And502And504() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.get, server.url("/flaky?key=k&failures=3&status=500,502,504"))

        let response = try await client.send(request, retry: recorder.policy(.idempotent()))
        #expect(response.status == 200)
        #expect(response.retries.map(\.reason) == [.status(500), .status(502), .status(504)])
        #expect(response.retries.map(\.attempt) == [1, 2, 3])
        #expect(try await server.hits("k").hits == 4)
    }

    @Test func idempotentGivesUpAfterTheLimit() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.get, server.url("/flaky?key=k&failures=9&status=502"))

        let response = try await client.send(request, retry: recorder.policy(.idempotent(maxAttempts: 3)))
        #expect(response.status == 502)
        #expect(response.attempts == 3)
        #expect(recorder.delays.count == 2)
        #expect(try await server.hits("k").hits == 3)
    }

    @Test func idempotentRetriesADroppedConnection() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let recorder = SleepRecorder()
        let request = HTTPRequest(.put, server.url("/flaky?key=k&failures=1&mode=drop"), body: body)

        let response = try await client.send(request, retry: recorder.policy(.idempotent()))
        #expect(response.status == 200)
        #expect(response.retries.map(\.reason) == [.failure(.connectionLost)])
    }

    @Test func withoutAPolicyNothingIsRetried() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(.get, server.url("/flaky?key=k&failures=1&status=503")))
        #expect(response.status == 503)
        #expect(try await server.hits("k").hits == 1)
    }

    @Test func retriesAreTraced() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let log = TraceLog()
        let recorder = SleepRecorder()
        let request = HTTPRequest(.get, server.url("/flaky?key=k&failures=1&status=503&retry_after=2"))
        _ = try await HTTPClient(trace: log.hook).send(request, retry: recorder.policy(.idempotent()))
        #expect(log.lines.contains { $0.hasPrefix("retrying GET") && $0.contains("status 503") })
    }
}
