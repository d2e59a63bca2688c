import AvatarHTTP
import Foundation
import Synchronization
import TestSupport
import Testing

/// `avatarpipe sandbox`, run as a user would: it prints where it listens, serves, logs on
/// stderr, and stops cleanly on a signal.
@Suite struct SandboxCommandTests {
    /// A child process whose output is collected as it comes; always ended by `finish`.
    final class Buffer: Sendable {
        private let data = Mutex(Data())
        func append(_ more: Data) { data.withLock { $0.append(more) } }
        var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
    }

    final class Child: @unchecked Sendable {
        let process: Process
        private let out = Buffer()
        private let err = Buffer()

        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            let out = self.out, err = self.err
            stdout.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { out.append(data) }
            }
            stderr.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { err.append(data) }
            }
            try process.run()
        }

        var stdout: String { out.text }
        var stderr: String { err.text }

        /// Polls until `condition` holds or the deadline passes.
        func wait(for deadline: Duration, until condition: () -> Bool) async -> Bool {
            let clock = ContinuousClock()
            let end = clock.now + deadline
            while !condition() {
                if clock.now >= end { return false }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return true
        }

        /// Sends `signal` and waits for the exit; kills the child if it does not go.
        func stop(with signal: Int32, deadline: Duration = .seconds(30)) async -> Bool {
            if process.isRunning { kill(process.processIdentifier, signal) }
            let exited = await wait(for: deadline) { !process.isRunning }
            if !exited { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return exited
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func printsWhereItListensServesAndStopsOnASignal(_ signal: Int32) async throws {
        let key = "cli-secret-\(UUID().uuidString.prefix(8))"
        let child = try Child(["sandbox", "--port", "0", "--key", key, "--latency", "0", "--balance", "42"])
        let started = await child.wait(for: .seconds(60)) { child.stderr.contains("listening on") || !child.process.isRunning }
        let lines = child.stdout.split(separator: "\n").map(String.init)
        guard started, lines.count == 1 else {
            _ = await child.stop(with: SIGKILL)
            Issue.record("no base URL alone on stdout: \(lines); stderr: \(child.stderr)")
            return
        }
        let base = lines[0]
        #expect(base.hasPrefix("http://127.0.0.1:"))
        // A key given with --key may be a real one: it is never printed, not even on stdout.
        #expect(!child.stdout.contains(key))

        let client = HTTPClient()
        var request = HTTPRequest(.get, base + "/v1/get-user-credits")
        request.headers.set("x-api-key", key)
        let credits = try? await client.send(request)
        #expect(credits?.status == 200)
        #expect(credits?.headers["x-remaining-credits"] == "42")
        #expect(await child.wait(for: .seconds(10)) { child.stderr.contains("GET /v1/get-user-credits → 200") })

        let exited = await child.stop(with: signal)
        #expect(exited, "the sandbox did not stop on signal \(signal)")
        #expect(child.process.terminationReason == .exit)
        #expect(child.process.terminationStatus == 0)
        #expect(child.stderr.contains("stopped"))
        #expect(!child.stderr.contains(key), "the key is never logged")
        // The port is free again (unless another test's server has been given it since).
        let after = await httpError { try await client.send(HTTPRequest(.get, base + "/sandbox/health")) }
        if let after { #expect(after.kind == .cannotConnect) }
    }

    @Test func jsonOutputAndArmedFaults() async throws {
        let child = try Child(["sandbox", "--json", "--quiet", "--latency", "0", "--fail-submits", "1", "--fail-status", "502"])
        let started = await child.wait(for: .seconds(60)) { child.stdout.contains("\n") || !child.process.isRunning }
        defer { _ = child.process.isRunning ? kill(child.process.processIdentifier, SIGKILL) : 0 }
        guard started, let line = child.stdout.split(separator: "\n").first,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
              let base = object["base_url"], let key = object["key"]
        else {
            _ = await child.stop(with: SIGKILL)
            Issue.record("no JSON line on stdout: \(child.stdout); stderr: \(child.stderr)")
            return
        }
        var request = HTTPRequest(.post, base + "/v2/heygen-avatar-iv", body: .data(Data("{}".utf8)))
        request.headers.set("x-api-key", key)
        request.headers.set("Content-Type", "application/json")
        let first = try await HTTPClient().send(request)
        #expect(first.status == 502)
        let second = try await HTTPClient().send(request)
        #expect(second.status == 400, "the fault was armed once")
        #expect(await child.stop(with: SIGTERM))
        #expect(!child.stderr.contains("POST /v2"), "--quiet logs no requests")
    }

    @Test func refusesABadPort() throws {
        let result = CLI.run(["sandbox", "--port", "70000"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--port"))
    }
}
