import AvatarHTTP
import Foundation
import TestSupport
import Testing

@Suite struct DownloadTests {
    let client = HTTPClient()
    let size = 300_000

    final class ProgressLog: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [DownloadProgress] = []
        var reports: [DownloadProgress] { lock.withLock { recorded } }
        var hook: @Sendable (DownloadProgress) -> Void { { [self] report in lock.withLock { recorded.append(report) } } }
    }

    /// A test server and a fresh `render.mp4` path; `close` stops the one and removes the other.
    struct Setup {
        let server: TestServer
        let directory = TemporaryDirectory("avatarhttp")
        var path: String { directory.file("render.mp4") }

        static func make() async throws -> Setup { Setup(server: try await TestServer.start()) }

        func close() {
            server.stop()
            directory.remove()
        }
    }

    func contents(_ path: String) -> Data {
        FileManager.default.contents(atPath: path) ?? Data()
    }

    @Test func streamsToAFileWithProgress() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        let progress = ProgressLog()

        let result = try await client.download(HTTPRequest(.get, server.url("/file?size=\(size)")), to: path,
                                               progress: progress.hook)
        #expect(result.response.status == 200)
        #expect(result.size == Int64(size))
        #expect(result.resumedFrom == 0)
        #expect(result.restarted == false)
        #expect(contents(path) == TestServer.fileContent(size: size))

        let reports = progress.reports
        #expect(reports.count > 1)
        #expect(reports.last == DownloadProgress(bytes: Int64(size), total: Int64(size)))
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.bytes <= $1.bytes })
    }

    @Test func resumesAfterACutConnection() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        let url = server.url("/file?size=\(size)&cut=100000&key=k")

        let error = try #require(await httpError { try await client.download(HTTPRequest(.get, url), to: path) })
        #expect(error.kind == .connectionLost)
        let partial = Int64(contents(path).count)
        #expect(partial == 100_000)

        let result = try await client.download(HTTPRequest(.get, url), to: path, resumingFrom: partial)
        #expect(result.response.status == 206)
        #expect(result.resumedFrom == 100_000)
        #expect(result.size == Int64(size))
        #expect(contents(path) == TestServer.fileContent(size: size))
        let requests = try await server.hits("k").requests
        #expect(requests.map(\.range) == [nil, "bytes=100000-"])
    }

    @Test func retriesResumeFromTheBytesWritten() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        let recorder = SleepRecorder()

        let result = try await client.download(HTTPRequest(.get, server.url("/file?size=\(size)&cut=123456&key=k")),
                                               to: path, retry: recorder.policy(.idempotent()))
        #expect(result.response.status == 206)
        #expect(result.response.retries.map(\.reason) == [.failure(.connectionLost)])
        #expect(contents(path) == TestServer.fileContent(size: size))
        let requests = try await server.hits("k").requests
        #expect(requests.map(\.range) == [nil, "bytes=123456-"])
        #expect(requests.last?.if_range == "\"v1\"")
    }

    @Test func startsOverWhenTheServerIgnoresTheRange() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        try Data(repeating: 0xEE, count: 5000).write(to: URL(fileURLWithPath: path))

        let result = try await client.download(HTTPRequest(.get, server.url("/file?size=\(size)&ignore_range=1&key=k")),
                                               to: path, resumingFrom: 5000)
        #expect(result.response.status == 200)
        #expect(result.restarted)
        #expect(result.resumedFrom == 0)
        #expect(contents(path) == TestServer.fileContent(size: size))
        #expect(try await server.hits("k").requests.map(\.range) == ["bytes=5000-"])
    }

    @Test func refusesA206ForTheWrongRange() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        let head = TestServer.fileContent(size: 1000)
        try head.write(to: URL(fileURLWithPath: path))

        let error = try #require(await httpError {
            try await client.download(HTTPRequest(.get, server.url("/file?size=\(size)&bad_range=1")), to: path, resumingFrom: 1000)
        })
        #expect(error.kind == .invalidResponse)
        #expect(error.description.contains("1000"))
        #expect(contents(path) == head)
    }

    @Test func aCompleteFileIsNotFetchedAgain() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        let whole = TestServer.fileContent(size: size)
        try whole.write(to: URL(fileURLWithPath: path))

        let result = try await client.download(HTTPRequest(.get, server.url("/file?size=\(size)")), to: path,
                                               resumingFrom: Int64(size))
        #expect(result.response.status == 416)
        #expect(result.size == Int64(size))
        #expect(contents(path) == whole)
    }

    @Test func anErrorAnswerNeverLandsInTheFile() async throws {
        let setup = try await Setup.make()
        defer { setup.close() }
        let (server, path) = (setup.server, setup.path)
        let head = TestServer.fileContent(size: 1000)
        try head.write(to: URL(fileURLWithPath: path))

        let error = try #require(await httpError {
            try await client.download(HTTPRequest(.get, server.url("/status/404")), to: path, resumingFrom: 1000)
        })
        #expect(error.kind == .status(404))
        #expect(error.response.map { String(decoding: $0.body, as: UTF8.self) }?.contains("error") == true)
        #expect(contents(path) == head)
    }

    @Test func cannotResumeBeyondTheFile() async throws {
        let directory = TemporaryDirectory("avatarhttp")
        defer { directory.remove() }
        let path = directory.file("render.mp4")
        try Data(count: 10).write(to: URL(fileURLWithPath: path))
        let error = await httpError {
            try await client.download(HTTPRequest(.get, "http://127.0.0.1:9/x"), to: path, resumingFrom: 20)
        }
        #expect(error?.kind == .file)
        #expect(error?.requestSent == false)
    }
}
