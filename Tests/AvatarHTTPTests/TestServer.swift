import AvatarHTTP
import Foundation
import TestSupport

/// scripts/test-http-server.py, started on a free loopback port for one test and stopped
/// by `stop()`. It also exits by itself when this process goes away.
final class TestServer: Sendable {
    let port: Int
    let scheme: String
    private let process: Process

    private init(process: Process, port: Int, scheme: String) {
        self.process = process
        self.port = port
        self.scheme = scheme
    }

    /// Starts a server; with `tls`, an HTTPS one with that certificate and key.
    static func start(tls: (certificate: String, key: String)? = nil) async throws -> TestServer {
        let script = Fixtures.root.appendingPathComponent("scripts/test-http-server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Shell.which("python3") ?? "/usr/bin/python3")
        process.arguments = [script] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? [])
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port; read it off the cooperative pool.
        let line = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw ServerError.noPort(line)
        }
        return TestServer(process: process, port: port, scheme: tls == nil ? "http" : "https")
    }

    enum ServerError: Error { case noPort(String) }

    func url(_ pathAndQuery: String) -> String {
        "\(scheme)://127.0.0.1:\(port)\(pathAndQuery)"
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    struct Hits: Decodable {
        struct Request: Decodable {
            var method: String
            var path: String
            var range: String?
            var if_range: String?
            var body_length: Int
        }

        var hits: Int
        var requests: [Request]
    }

    /// The requests the server recorded under `key`.
    func hits(_ key: String) async throws -> Hits {
        let response = try await HTTPClient().send(HTTPRequest(.get, url("/hits?key=\(key)")))
        return try JSONDecoder().decode(Hits.self, from: response.body)
    }

    /// Byte i of the server's generated /file.
    static func fileContent(size: Int) -> Data {
        Data((0..<size).map { i in UInt8(truncatingIfNeeded: i * 7 + (i >> 8) * 13 + (i >> 16) * 3) })
    }
}


/// Records the delays a `RetryPolicy` asks for, without waiting them.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Duration] = []

    var delays: [Duration] { lock.withLock { recorded } }

    func policy(_ base: RetryPolicy, random: Double = 0.5) -> RetryPolicy {
        var policy = base
        policy.random = { random }
        policy.sleep = { [self] delay in lock.withLock { recorded.append(delay) } }
        return policy
    }
}

/// Collects trace lines from any thread.
final class TraceLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var lines: [String] { lock.withLock { recorded } }

    var hook: @Sendable (String) -> Void {
        { [self] line in lock.withLock { recorded.append(line) } }
    }
}

/// The SHA-256 of a file as `sha256sum` computes it.
func sha256(ofFile path: String) -> String {
    Shell.run(Shell.which("sha256sum") ?? "/usr/bin/sha256sum", [path]).stdout
        .split(separator: " ").first.map(String.init) ?? ""
}

/// A JSON object from a response body.
func json(_ response: HTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
}

/// The `HTTPError` an operation throws, or nil if it succeeds or throws something else.
func httpError<T>(_ operation: () async throws -> T) async -> HTTPError? {
    do {
        _ = try await operation()
        return nil
    } catch let error as HTTPError {
        return error
    } catch {
        return nil
    }
}
