import AvatarHTTP
import Foundation

/// scripts/test-http-server.py, started on a free loopback port for one test and stopped
/// by `stop()`. It also exits by itself when this process goes away.
public final class TestServer: Sendable {
    public let port: Int
    public let scheme: String
    private let process: Process

    private init(process: Process, port: Int, scheme: String) {
        self.process = process
        self.port = port
        self.scheme = scheme
    }

    /// Starts a server; with `tls`, an HTTPS one with that certificate and key.
    public static func start(tls: (certificate: String, key: String)? = nil) async throws -> TestServer {
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
            OffPool.detach {
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

    public enum ServerError: Error { case noPort(String) }

    public func url(_ pathAndQuery: String) -> String {
        "\(scheme)://127.0.0.1:\(port)\(pathAndQuery)"
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    public struct Hits: Decodable, Sendable {
        public struct Request: Decodable, Sendable {
            public var method: String
            public var path: String
            public var range: String?
            public var if_range: String?
            /// The `x-api-key` header, when the request carried one.
            public var x_api_key: String?
            public var body_length: Int
        }

        public var hits: Int
        public var requests: [Request]
    }

    /// The requests the server recorded under `key`.
    public func hits(_ key: String) async throws -> Hits {
        let response = try await HTTPClient().send(HTTPRequest(.get, url("/hits?key=\(key)")))
        return try JSONDecoder().decode(Hits.self, from: response.body)
    }

    /// Byte i of the server's generated /file.
    public static func fileContent(size: Int) -> Data {
        Data((0..<size).map { i in UInt8(truncatingIfNeeded: i * 7 + (i >> 8) * 13 + (i >> 16) * 3) })
    }
}
