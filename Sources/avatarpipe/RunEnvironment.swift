import ArgumentParser
import AvatarHTTP
import AvatarMedia
import AvatarPipe
import AvatarSandbox
import Foundation
import Synchronization

/// The service a run talks to (the real API, or a sandbox started in this process on a
/// loopback port) and the ledger it keeps its claims in. The ledger keys renders by the
/// API's origin, so a sandbox video can never stand in for a paid one.
final class RunEnvironment: Sendable {
    let client: SegmindClient
    let host: TempHost
    let ledger: any Ledger
    let sandbox: Sandbox?

    private init(client: SegmindClient, host: TempHost, ledger: any Ledger, sandbox: Sandbox?) {
        self.client = client
        self.host = host
        self.ledger = ledger
        self.sandbox = sandbox
    }

    static func make(sandbox useSandbox: Bool, service: ServiceOptions, ledger ledgerOptions: LedgerOptions) async throws -> RunEnvironment {
        let http = service.http()
        let ledger = try await ledgerOptions.open()
        guard useSandbox else {
            let endpoint = try service.endpoint()
            return RunEnvironment(client: SegmindClient(endpoint: endpoint, http: http), host: try service.tempHost(endpoint: endpoint, http: http),
                                  ledger: ledger, sandbox: nil)
        }
        var configuration = SandboxConfiguration()
        configuration.latency = 1
        let sandbox = try await Sandbox.start(configuration)
        Terminal.log("[sandbox] the built-in fake of the API is serving \(sandbox.baseURL) (offline, free)")
        var endpoint = ServiceEndpoint(apiBase: sandbox.baseURL, storageBase: sandbox.baseURL, apiKey: sandbox.key)
        endpoint.isBuiltInSandbox = true
        let host: TempHost
        do {
            host = try service.tempHost(endpoint: endpoint, http: http)
        } catch {
            try? await sandbox.stop()
            throw error
        }
        return RunEnvironment(client: SegmindClient(endpoint: endpoint, http: http), host: host, ledger: ledger, sandbox: sandbox)
    }

    func stop() async {
        try? await sandbox?.stop()
    }
}

/// Runs work that Ctrl-C (SIGINT) or SIGTERM should cancel rather than kill, so the ledger and
/// the journal are left consistent and a submitted render can be resumed. Outside such work
/// (and on a second Ctrl-C) the process exits at once with 130.
enum Interruptible {
    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async -> Result<T, Error> {
        let task = Task { try await work() }
        SignalScope.shared.cancelOnSignal(task)
        let result = await task.result
        SignalScope.shared.exitOnSignal()
        return result
    }
}

/// SIGINT and SIGTERM for the whole process, taken once: libdispatch's signal sources cannot
/// be given back (cancelling one restores the disposition later, on its own queue), so they
/// stay, and what a signal does is decided here.
/// (Unchecked: the sources are set once in `init` and only kept; dispatch sources are
/// thread-safe.)
final class SignalScope: @unchecked Sendable {
    static let shared = SignalScope()

    /// What the next signal does instead of ending the process.
    private let onSignal = Mutex<(@Sendable () -> Void)?>(nil)
    /// Kept for the process's lifetime.
    private let sources: [any DispatchSourceSignal]

    private init() {
        sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: .global())
        }
        for source in sources {
            source.setEventHandler { [self] in handle() }
            source.resume()
        }
    }

    /// The next signal cancels `task`.
    func cancelOnSignal<T: Sendable>(_ task: Task<T, Error>) {
        onSignal.withLock { $0 = { task.cancel() } }
    }

    /// The next signal ends the process (130).
    func exitOnSignal() {
        onSignal.withLock { $0 = nil }
    }

    private func handle() {
        let action = onSignal.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        guard let action else {
            Terminal.log("\n[interrupted]")
            exit(130)
        }
        Terminal.log("\n[interrupted] stopping; the ledger keeps what was submitted (Ctrl-C again to quit at once)")
        action()
    }
}

/// The end of `run` and `resume`: a summary (or the journal as JSON) and the exit code.
enum RunOutput {
    static func finish(_ outcome: Result<RunOutcome, Error>, directory: String, json: Bool) throws {
        switch outcome {
        case .success(let result):
            if json {
                Terminal.out(String(decoding: try JobFilesystem.encoder().encode(result.journal), as: UTF8.self))
            } else {
                Terminal.out(summary(result, directory: directory))
            }
        case .failure(let refusal as RunRefusal):
            ReportPrinter.print(refusal.report, request: PreflightRequest(photoPath: refusal.report.photo?.path ?? "",
                                                                           audioPath: refusal.report.audio?.path))
            Terminal.error(refusal.description)
            throw ExitCode(refusal.report.exitCode)
        case .failure(let error as RenderError):
            Terminal.error(error.description)
            throw ExitCode(error.exitCode)
        case .failure(let error as UsageError):
            throw error
        case .failure(is CancellationError):
            Terminal.error("interrupted before anything was submitted")
            throw ExitCode(130)
        case .failure(let error):
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
    }

    static func summary(_ result: RunOutcome, directory: String) -> String {
        let journal = result.journal
        guard let render = journal.render else { return "\(directory): \(journal.stage.rawValue)" }
        var lines = ["\(directory)/\(render.path): \(render.width ?? 0)×\(render.height ?? 0), "
                     + "\(render.duration.map(Format.seconds) ?? "?"), \(render.videoCodec ?? "?")/\(render.audioCodec ?? "?"), "
                     + "\(Format.bytes(render.bytes))"]
        if result.reused {
            lines.append("reused an earlier render of the same inputs: nothing was paid this time")
        } else if let charged = journal.credits.charged {
            lines.append(String(format: "charged %.3f credits (balance %.2f → %.2f)", charged, journal.credits.before ?? 0,
                                journal.credits.after ?? 0))
        }
        if let id = journal.submission?.requestID { lines.append("request \(id); journal \(directory)/job.json") }
        return lines.joined(separator: "\n")
    }
}

/// Exits with a given code after the message has been printed.
