import AvatarHTTP
import Foundation

/// scripts/moto-s3.py (moto's S3 server) on a free loopback port, for one test. `stop()`
/// kills it; it also exits by itself when this process goes away.
public final class MotoServer: Sendable {
    public struct Keys: Decodable, Sendable {
        public var access_key_id: String
        public var secret_access_key: String
        public var session_token: String?
    }

    public struct Info: Decodable, Sendable {
        public var port: Int
        public var endpoint: String
        public var iam: Bool
        public var user: Keys?
        public var session: Keys?
        public var denied: Keys?
    }

    public let info: Info
    private let process: Process

    private init(process: Process, info: Info) {
        self.process = process
        self.info = info
    }

    public static func start(iam: Bool = false) async throws -> MotoServer {
        let script = Fixtures.root.appendingPathComponent("scripts/moto-s3.py").path
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("moto-s3-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Shell.which("python3") ?? "/usr/bin/python3")
        process.arguments = [script] + (iam ? ["--iam"] : [])
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let pid = process.processIdentifier

        // A server that has not said where it listens by the deadline is killed, which ends the read.
        let deadline = Task {
            try await Task.sleep(for: .seconds(180))
            kill(pid, SIGKILL)
        }
        let line = await firstLine(of: output)
        deadline.cancel()
        guard let info = try? JSONDecoder().decode(Info.self, from: Data(line.utf8)) else {
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
            let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw MotoFailure(description: "moto-s3.py did not start (run scripts/setup.sh for moto): "
                + line + String(errors.suffix(2000)))
        }
        // scripts/moto-s3.py prints its line only once moto answers over HTTP.
        return MotoServer(process: process, info: info)
    }

    /// Kills the server (SIGKILL: a child of Foundation's Process may have SIGTERM blocked)
    /// and reaps it.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The first line the server prints, read off the cooperative pool.
    private static func firstLine(of pipe: Pipe) async -> String {
        await withCheckedContinuation { continuation in
            OffPool.detach {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                let line = data.split(separator: UInt8(ascii: "\n")).first.map { Data($0) } ?? data
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
    }
}

struct MotoFailure: Error, CustomStringConvertible {
    var description: String
}
