import ArgumentParser
import AvatarPipe
import AvatarSandbox
import Dispatch
import Foundation
import Synchronization

extension SandboxConfiguration.OutputShape: ExpressibleByArgument {}
extension SandboxConfiguration.V1Answer: ExpressibleByArgument {}
extension SandboxConfiguration.RateLimitScope: ExpressibleByArgument {}

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local fake of the Segmind HeyGen Avatar IV API and storage, for testing integrations.",
        discussion: """
        Serves the API (POST /v2/heygen-avatar-iv, its status and response URLs, the legacy \
        POST /v1/heygen-avatar-iv, GET /v1/get-user-credits) and the storage (POST /upload-asset) \
        on one base URL, with the same checks, status codes and headers as the service. Renders \
        are local stand-ins with a SANDBOX badge; nothing is paid. Prints the base URL and the key \
        it made up on stdout (one line each, or one JSON line with --json); a key given with --key \
        is never printed. Logs requests on stderr, and stops on Ctrl-C or SIGTERM.

        Faults can be armed here or at run time with POST /sandbox/control and the key, e.g. \
        {"fail_submits": {"count": 1, "status": 503, "retry_after": 2}}, {"drop_submits": 1}, \
        {"fail_jobs": {"reason": "no face"}}, {"fail_polls": {"count": 2}}, \
        {"truncate_downloads": {"after_bytes": 65536}}, {"balance": 1}, {"requests_per_minute": 2}, \
        {"advance_clock": 3601}. GET /sandbox/ledger lists every submission and charge.
        """
    )

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "The address to listen on (loopback unless you mean otherwise).")
    var host: String = "127.0.0.1"

    @Option(help: "The API key the sandbox accepts (default: one it makes up and prints).")
    var key: String?

    @Option(help: ArgumentHelp("Seconds from submit to COMPLETED.", valueName: "SECONDS"))
    var latency: Double = 3

    @Option(help: ArgumentHelp("Starting balance (1 credit = 1 USD).", valueName: "CREDITS"))
    var balance: Double = 100

    @Option(help: ArgumentHelp("What one completed render costs.", valueName: "CREDITS"))
    var price: Double = ServiceLimits.defaultPricePerCallUSD

    @Option(help: "Resolution of the stand-in renders: 720p or 1080p (or 180p: tiny and quick, for tests).")
    var resolution: PreviewSettings.Resolution = .p720

    @Flag(help: "Let /upload-asset take audio/wav (refused by default, like the official SDK's type list).")
    var acceptWav = false

    @Flag(help: "Render the same photo, speech and framing once; later jobs get a copy (for tests and benchmarks).")
    var memo = false

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("Requests allowed per minute (429 beyond).", valueName: "N"))
    var rateLimit: Int?

    @Option(help: "What --rate-limit counts: submits or all (every keyed request).")
    var rateLimitScope: SandboxConfiguration.RateLimitScope = .submits

    @Option(help: ArgumentHelp("Seconds a result stays available after submission.", valueName: "SECONDS"))
    var resultLifetime: Double = 3600

    @Option(help: "How response_url gives the video: string (a URL) or object ({\"video_url\": …}).")
    var outputShape: SandboxConfiguration.OutputShape = .string

    @Option(help: "What the legacy v1 endpoint answers: video (the MP4) or json (its URL).")
    var v1Answer: SandboxConfiguration.V1Answer = .video

    @Option(help: ArgumentHelp("Keep uploads and renders in DIR (default: a temporary directory, removed on exit).",
                               valueName: "DIR"))
    var dir: String?

    @Option(help: ArgumentHelp("Fault: answer the next N submits with --fail-status.", valueName: "N"))
    var failSubmits: Int?

    @Option(help: ArgumentHelp("The status of --fail-submits (503, 500, 502, 504, 429…).", valueName: "CODE"))
    var failStatus: Int = 503

    @Option(help: ArgumentHelp("Retry-After on --fail-submits answers.", valueName: "SECONDS"))
    var retryAfter: Int?

    @Option(help: ArgumentHelp("Fault: close the connection of the next N submits after recording the job "
                               + "(it still renders and is charged).", valueName: "N"))
    var dropSubmits: Int?

    @Option(help: ArgumentHelp("Fault: the next N jobs end FAILED.", valueName: "N"))
    var failJobs: Int?

    @Option(help: ArgumentHelp("The error of --fail-jobs.", valueName: "TEXT"))
    var failReason: String = "the sandbox was told to fail this job"

    @Option(help: ArgumentHelp("Fault: answer the next N polls (status or response URL) with 500.", valueName: "N"))
    var failPolls: Int?

    @Option(help: ArgumentHelp("Fault: cut the next N output downloads after --truncate-after bytes.", valueName: "N"))
    var truncateDownloads: Int?

    @Option(help: ArgumentHelp("Bytes sent before a --truncate-downloads cut.", valueName: "BYTES"))
    var truncateAfter: Int = 65536

    @Flag(help: "Print the base URL and key as one JSON line.")
    var json = false

    @Flag(help: "Do not log requests on stderr.")
    var quiet = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port): give 0–65535") }
        guard key?.isEmpty != true else { throw ValidationError("--key must not be empty") }
        guard latency >= 0, resultLifetime >= 0, balance.isFinite, price >= 0 else {
            throw ValidationError("--latency, --result-lifetime and --price must not be negative")
        }
        guard (400...599).contains(failStatus) else { throw ValidationError("--fail-status \(failStatus): give a 4xx or 5xx status") }
    }

    mutating func run() async throws {
        let configuration = self.configuration()
        let sandbox: Sandbox
        do {
            sandbox = try await Sandbox.start(configuration)
        } catch {
            Terminal.error("the sandbox could not start: \(error)")
            throw ExitCode(1)
        }
        let signals = StopSignals()
        // Only a key the sandbox made up is printed: a real key given with --key (to try a
        // script against the sandbox) must not end up in logs.
        let shownKey = key == nil ? sandbox.key : nil
        if json {
            var line = ["base_url": sandbox.baseURL]
            line["key"] = shownKey
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
            Terminal.out(String(decoding: data, as: UTF8.self))
        } else {
            Terminal.out(sandbox.baseURL)
            if let shownKey { Terminal.out(shownKey) }
        }
        Terminal.log("avatarpipe sandbox: listening on \(sandbox.baseURL) (API and storage); "
            + "point a client at it with AVATARPIPE_API_BASE=\(sandbox.baseURL) and "
            + (shownKey == nil ? "the key given with --key. " : "the key above. ") + "Ctrl-C stops.")
        let name = await signals.next()
        Terminal.log("avatarpipe sandbox: \(name): stopping (again to quit at once)")
        signals.exitOnNext()
        do {
            try await sandbox.stop()
        } catch {
            Terminal.error("the sandbox did not stop cleanly: \(error)")
            throw ExitCode(1)
        }
        let ledger = await sandbox.ledger()
        Terminal.log("avatarpipe sandbox: stopped; \(ledger.submissions.count) submissions, "
            + "\(ledger.charges.count) charged, balance \(ledger.balance)")
    }

    func configuration() -> SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.port = port
        if let key { configuration.key = key }
        configuration.latency = latency
        configuration.balance = balance
        configuration.price = price
        configuration.resolution = resolution
        configuration.acceptsWAVUploads = acceptWav
        configuration.memoizeRenders = memo
        configuration.requestsPerMinute = rateLimit
        configuration.rateLimitScope = rateLimitScope
        configuration.resultLifetime = resultLifetime
        configuration.outputShape = outputShape
        configuration.v1Answer = v1Answer
        configuration.directory = dir
        var faults = SandboxControl()
        if let failSubmits { faults.failSubmits = .init(count: failSubmits, status: failStatus, retryAfter: retryAfter) }
        faults.dropSubmits = dropSubmits
        if let failJobs { faults.failJobs = .init(count: failJobs, reason: failReason) }
        if let failPolls { faults.failPolls = .init(count: failPolls, status: 500) }
        if let truncateDownloads { faults.truncateDownloads = .init(count: truncateDownloads, afterBytes: truncateAfter) }
        configuration.faults = faults
        if !quiet {
            configuration.log = { line in Terminal.log("sandbox: \(line)") }
        }
        return configuration
    }
}

/// SIGINT and SIGTERM as events: the first asks for a clean stop, a later one (after
/// `exitOnNext`) ends the process at once.
final class StopSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<String>
    private let exitsNow = ExitLatch()

    init() {
        let (stream, sink) = AsyncStream.makeStream(of: String.self)
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        let exitsNow = self.exitsNow
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            #if canImport(Darwin)
            // Darwin delivers to dispatch only when the default action is off.
            signal(number, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if exitsNow.isSet {
                    Terminal.log("avatarpipe sandbox: \(name) again: quitting now")
                    exit(130)
                }
                sink.yield(name)
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The name of the first signal that arrives.
    func next() async -> String {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next() ?? "end"
    }

    func exitOnNext() {
        exitsNow.set()
    }
}

final class ExitLatch: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
