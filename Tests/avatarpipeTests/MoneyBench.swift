import AvatarHTTP
import Foundation
import TestSupport

/// One sandbox process, one ledger, and the command lines that run against them: what the
/// money tests share. The sandbox's own ledger says what was paid.
struct MoneyBench {
    let sandbox: SandboxProcess
    let state: TemporaryDirectory
    /// A PostgreSQL database of the tests' private cluster, when the ledger is PostgreSQL.
    var postgres: String?
    let speech = Fixtures.generated("speech-2.5s.wav")

    /// Tiny stand-in renders (180p) unless a test needs post-processing to take a while.
    static func start(_ arguments: [String] = ["--latency", "0.3", "--resolution", "180p"], postgres: Bool = false) async throws -> MoneyBench {
        var bench = MoneyBench(sandbox: try await SandboxProcess.start(arguments), state: TemporaryDirectory("avatarpipe-state"))
        if postgres { bench.postgres = try PostgresCluster.shared.get().database() }
        return bench
    }

    func stop() {
        sandbox.stop()
        state.remove()
    }

    var ledgerPath: String { postgres ?? state.file("ledger.sqlite") }
    var environment: [String: String] {
        ["AVATARPIPE_LEDGER": ledgerPath, "AVATARPIPE_STORE": state.file("store"), "SEGMIND_API_KEY": ""]
    }

    /// A key file per sandbox, so two sandboxes can share the state directory.
    func keyFile(_ sandbox: SandboxProcess) -> String {
        let path = state.file("key-\(URLComponents(string: sandbox.baseURL)?.port ?? 0)")
        FileManager.default.createFile(atPath: path, contents: Data((sandbox.key + "\n").utf8))
        return path
    }

    /// Where the service is, its key, and a quick first poll (the sandbox's latency is short).
    func service(_ other: SandboxProcess? = nil) -> [String] {
        let target = other ?? sandbox
        return ["--api-base", target.baseURL, "--key-file", keyFile(target), "--poll-interval", "0.1"]
    }

    /// `run` of the fixtures into `out`, without post-processing unless asked.
    func run(_ out: String, _ extra: [String] = [], post: Bool = false, against other: SandboxProcess? = nil) -> [String] {
        ["run", "--photo", Fixtures.photo, "--audio", speech, "--fit", "contain", "--out", out]
            + (post ? [] : ["--no-post"]) + service(other) + extra
    }

    func resume(_ out: String, _ extra: [String] = []) -> [String] {
        ["resume", out] + service() + extra
    }

    func cli(_ arguments: [String]) async -> Shell.Result {
        await CLI.run(arguments, environment: environment)
    }

    func start(_ arguments: [String]) throws -> CLIProcess {
        try CLIProcess.start(arguments, environment: environment)
    }

    /// `avatarpipe ledger --json`: the renders, newest first.
    func ledgerRenders() async -> [[String: Any]] {
        let listing = CLI.json(await cli(["ledger", "list", "--json"]).stdout)
        return (listing?["renders"] as? [[String: Any]]) ?? []
    }

    func control(_ document: [String: Any]) async throws {
        try await sandbox.control(document)
    }

    static func sha(_ path: String) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return (Shell.run("/usr/bin/sha256sum", [path]) as Shell.Result).stdout.split(separator: " ").first.map(String.init)
    }

    /// The sandbox's own copy of a render, fetched straight from it.
    func servedVideo(_ requestID: String, to path: String) async throws {
        _ = try await HTTPClient().download(HTTPRequest(.get, "\(sandbox.baseURL)/outputs/\(requestID).mp4"), to: path)
    }

    /// Waits (checking every 10 ms, for at most a minute) until the file holds `bytes`: the
    /// bytes a server has sent reach the client's file a moment later, and nothing announces it.
    func fileGrows(_ path: String, to bytes: Int64) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            if size >= bytes { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    func requestIDs() async throws -> [String] {
        let ledger = try await sandbox.ledger()
        return ((ledger["submissions"] as? [[String: Any]]) ?? []).compactMap { $0["request_id"] as? String }
    }
}
