import AvatarHTTP
import Foundation

/// `avatarpipe sandbox` as a separate process on a free loopback port: a service that
/// outlives the `run` it serves (for interruption, resume and fault tests of the CLI).
public final class SandboxProcess: Sendable {
    public let baseURL: String
    public let key: String
    private let process: Process

    private init(baseURL: String, key: String, process: Process) {
        self.baseURL = baseURL
        self.key = key
        self.process = process
    }

    public static func start(_ arguments: [String] = []) async throws -> SandboxProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["sandbox", "--port", "0", "--quiet"] + arguments
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lines = await firstLines(2, of: output)
        guard lines.count == 2, lines[0].hasPrefix("http") else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw MotoFailure(description: "avatarpipe sandbox did not start: \(lines)")
        }
        return SandboxProcess(baseURL: lines[0], key: lines[1], process: process)
    }

    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The ledger's JSON.
    public func ledger() async throws -> [String: Any] {
        let response = try await HTTPClient().send(HTTPRequest(.get, baseURL + "/sandbox/ledger", headers: ["x-api-key": key]))
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
    }

    /// Arms faults, changes settings, closes or opens gates (`POST /sandbox/control`).
    @discardableResult
    public func control(_ document: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: document)
        let response = try await HTTPClient().send(HTTPRequest(.post, baseURL + "/sandbox/control", headers: ["x-api-key": key,
                                                                                                           "Content-Type": "application/json"],
                                                               body: .data(body)))
        guard response.status == 200 else {
            throw MotoFailure(description: "sandbox control answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
    }

    /// Returns once `count` requests have reached the closed `gate` (uploads, submit_answers,
    /// jobs, downloads).
    public func held(_ gate: String, count: Int = 1) async throws {
        var request = HTTPRequest(.get, baseURL + "/sandbox/held/\(gate)?count=\(count)", headers: ["x-api-key": key])
        request.timeouts = HTTPTimeouts(connect: .seconds(5), lowSpeedLimit: 0, lowSpeedTime: .seconds(300), total: .seconds(300))
        let response = try await HTTPClient().send(request)
        guard response.status == 200 else { throw MotoFailure(description: "sandbox held/\(gate) answered \(response.status)") }
    }

    /// The number of accepted submissions and of charges in the sandbox's ledger.
    public func counts() async throws -> (submissions: Int, charges: Int) {
        let ledger = try await ledger()
        return ((ledger["submissions"] as? [Any])?.count ?? -1, (ledger["charges"] as? [Any])?.count ?? -1)
    }

    /// A key file for `--key-file`.
    public func keyFile(in directory: TemporaryDirectory) -> String {
        let path = directory.file("api-key")
        FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8))
        return path
    }

    private static func firstLines(_ count: Int, of pipe: Pipe) async -> [String] {
        await withCheckedContinuation { continuation in
            OffPool.detach {
                var data = Data()
                while data.filter({ $0 == UInt8(ascii: "\n") }).count < count {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").prefix(count).map(String.init)
                continuation.resume(returning: lines)
            }
        }
    }
}
