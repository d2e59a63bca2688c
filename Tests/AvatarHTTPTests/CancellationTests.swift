import AvatarHTTP
import Foundation
import TestSupport
import Testing

/// Cancelling the task stops the transfer at once. The server stalls for 30 s, so a
/// cancellation that did not reach libcurl would show as a different error kind.
@Suite struct CancellationTests {
    @Test func cancellingStopsAStalledRequest() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (sent, signal) = AsyncStream<Void>.makeStream()
        let client = HTTPClient(trace: { line in if line.hasPrefix("> POST") { signal.yield() } })
        let request = HTTPRequest(.post, server.url("/stall?seconds=30"), body: .data(Data("{}".utf8)))

        let task = Task { try await client.send(request) }
        var events = sent.makeAsyncIterator()
        _ = await events.next()  // the request is on the wire
        task.cancel()

        let error = try #require(await httpError { try await task.value })
        #expect(error.kind == .cancelled)
        #expect(error.requestSent)
        #expect(error.mayHaveBeenAccepted, "a submit cancelled once sent may still have started the render")
    }

    @Test func cancellingStopsAStalledDownload() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let directory = TemporaryDirectory("avatarhttp")
        defer { directory.remove() }
        let (started, signal) = AsyncStream<Void>.makeStream()

        let task = Task {
            try await HTTPClient().download(HTTPRequest(.get, server.url("/stall?seconds=30&bytes=100")),
                                            to: directory.file("out.bin")) { progress in
                if progress.bytes > 0 { signal.yield() }
            }
        }
        var events = started.makeAsyncIterator()
        _ = await events.next()  // the first bytes arrived
        task.cancel()

        let error = try #require(await httpError { try await task.value })
        #expect(error.kind == .cancelled)
    }

    @Test func aCancelledTaskSendsNothing() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let url = server.url("/echo?key=k")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await HTTPClient().send(HTTPRequest(.post, url, body: .data(Data())))
        }
        let error = try #require(await httpError { try await task.value })
        #expect(error.kind == .cancelled)
        #expect(error.requestSent == false)
        #expect(try await server.hits("k").hits == 0)
    }

    @Test func cancellingDuringABackoffStopsTheRetries() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let (waiting, signal) = AsyncStream<Void>.makeStream()
        var policy = RetryPolicy.idempotent()
        policy.sleep = { _ in
            signal.yield()
            try await Task.sleep(for: .seconds(60))
        }
        let request = HTTPRequest(.get, server.url("/flaky?key=k&failures=9&status=503"))
        let task = Task { [policy] in try await HTTPClient().send(request, retry: policy) }
        var events = waiting.makeAsyncIterator()
        _ = await events.next()
        task.cancel()

        let error = try #require(await httpError { try await task.value })
        #expect(error.kind == .cancelled)
        #expect(error.retries.count == 1)
        #expect(try await server.hits("k").hits == 1)
    }
}
