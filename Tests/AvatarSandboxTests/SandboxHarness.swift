import AvatarHTTP
@testable import AvatarSandbox
import Foundation
import Synchronization
import TestSupport
import Testing

/// Collects the sandbox's log lines.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
}

/// A policy that records its delays instead of sleeping them.
final class Sleeps: Sendable {
    private let recorded = Mutex<[Duration]>([])
    var delays: [Duration] { recorded.withLock { $0 } }

    func policy(_ base: RetryPolicy) -> RetryPolicy {
        var policy = base
        policy.sleep = { delay in self.recorded.withLock { $0.append(delay) } }
        policy.random = { 0.5 }
        return policy
    }
}

/// A started sandbox and a client for it (AvatarHTTP's, over loopback).
struct Harness: Sendable {
    let sandbox: Sandbox
    let logs: LogLines
    let directory: TemporaryDirectory
    let client = HTTPClient()

    var base: String { sandbox.baseURL }
    var key: String { sandbox.key }

    /// Starts a sandbox (no latency, fast renders), runs `body`, and always stops it.
    static func with(_ configure: (inout SandboxConfiguration) -> Void = { _ in },
                     _ body: (Harness) async throws -> Void) async throws {
        var configuration = SandboxConfiguration()
        configuration.latency = 0
        configuration.x264Preset = "ultrafast"
        let logs = LogLines()
        configuration.log = logs.sink
        configure(&configuration)
        let sandbox = try await Sandbox.start(configuration)
        let harness = Harness(sandbox: sandbox, logs: logs, directory: TemporaryDirectory("avatarsandbox-test"))
        do {
            try await body(harness)
        } catch {
            try? await sandbox.stop()
            harness.directory.remove()
            throw error
        }
        try await sandbox.stop()
        harness.directory.remove()
    }

    func url(_ path: String) -> String { path.hasPrefix("http") ? path : base + path }

    func headers(key: String?, json: Bool) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let key { headers.set("x-api-key", key) }
        if json { headers.set("Content-Type", "application/json") }
        return headers
    }

    func get(_ path: String, key: String? = nil, anonymous: Bool = false) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(.get, url(path), headers: headers(key: anonymous ? nil : key ?? self.key, json: false)))
    }

    func post(_ path: String, data: Data, key: String? = nil, anonymous: Bool = false, contentType: String? = "application/json",
              retry: RetryPolicy = .never) async throws -> HTTPResponse {
        var headers = headers(key: anonymous ? nil : key ?? self.key, json: false)
        if let contentType { headers.set("Content-Type", contentType) }
        return try await client.send(HTTPRequest(.post, url(path), headers: headers, body: .data(data)), retry: retry)
    }

    func post(_ path: String, json: [String: Any], key: String? = nil, anonymous: Bool = false,
              retry: RetryPolicy = .never) async throws -> HTTPResponse {
        try await post(path, data: try JSONSerialization.data(withJSONObject: json), key: key, anonymous: anonymous, retry: retry)
    }

    /// Uploads a file through `/upload-asset` and returns its URL.
    func upload(_ path: String, type: String) async throws -> String {
        let response = try await uploadResponse(path, type: type)
        try #require(response.status == 200, "upload-asset answered \(response.status): \(text(response))")
        let urls = try #require(object(response)["file_urls"] as? [String])
        return try #require(urls.first)
    }

    func uploadResponse(_ path: String, type: String) async throws -> HTTPResponse {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return try await post("/upload-asset", json: ["data_urls": ["data:\(type);base64,\(bytes.base64EncodedString())"]])
    }

    /// The photo (PNG) and a 2.5 s MP3, uploaded.
    func uploadInputs() async throws -> (image: String, audio: String) {
        (try await upload(Fixtures.photo, type: "image/png"), try await upload(try shortMP3(), type: "audio/mpeg"))
    }

    func shortMP3() throws -> String {
        let path = directory.file("speech-2.5s.mp3")
        if FileManager.default.fileExists(atPath: path) { return path }
        let result = Judge.ffmpeg(["-loglevel", "error", "-y", "-i", Fixtures.generated("speech-2.5s.wav"),
                                   "-c:a", "libmp3lame", "-b:a", "96k", path])
        try #require(result.status == 0, "ffmpeg could not make an MP3: \(result.stderr)")
        return path
    }

    func submit(_ body: [String: Any], version: String = "v2", retry: RetryPolicy = .never) async throws -> HTTPResponse {
        try await post("/\(version)/heygen-avatar-iv", json: body, retry: retry)
    }

    /// Submits to v2 and returns the answer's object, requiring a 200.
    func submitAccepted(_ body: [String: Any]) async throws -> [String: Any] {
        let response = try await submit(body)
        try #require(response.status == 200, "submit answered \(response.status): \(text(response))")
        return object(response)
    }

    /// Polls `statusURL` until it names a terminal state; returns the last answer and every
    /// status seen. Polls every 20 ms, for at most `deadline`.
    func waitForEnd(_ statusURL: String, deadline: Duration = .seconds(180)) async throws -> (HTTPResponse, [String]) {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        var seen: [String] = []
        while true {
            let response = try await get(statusURL)
            let status = object(response)["status"] as? String ?? "?"
            if seen.last != status { seen.append(status) }
            if status == "COMPLETED" || status == "FAILED" { return (response, seen) }
            try #require(response.status == 200, "status answered \(response.status): \(text(response))")
            try #require(clock.now < end, "the job did not end within \(deadline); seen \(seen)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until the ledger shows the job in a terminal state.
    func waitForLedgerEnd(_ id: String, deadline: Duration = .seconds(180)) async throws -> SandboxLedger.Submission {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while true {
            let submission = await sandbox.ledger().submissions.first { $0.requestID == id }
            if let submission, submission.status.isTerminal { return submission }
            try #require(clock.now < end, "job \(id) did not end within \(deadline)")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func object(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
    }

    func text(_ response: HTTPResponse) -> String {
        String(decoding: response.body, as: UTF8.self)
    }

    func errorMessage(_ response: HTTPResponse) -> String {
        object(response)["error"] as? String ?? ""
    }
}

/// The error an async call throws, or nil if it returned.
func httpError(_ body: () async throws -> some Any) async -> HTTPError? {
    do {
        _ = try await body()
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        Issue.record("expected an HTTPError, got \(error)")
        return nil
    }
}

func fileData(_ path: String) -> Data {
    FileManager.default.contents(atPath: path) ?? Data()
}
