import ArgumentParser
import AvatarHTTP
import AvatarPipe
import Foundation
import Synchronization

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Many videos from one CSV: checked, sampled, budgeted, resumable.",
        discussion: """
        avatarpipe batch PLAN.csv --out DIR checks every row (free), writes DIR/batch.json, \\
        DIR/batch.csv and DIR/index.html, then renders a sample and stops for a look \\
        (`avatarpipe batch approve DIR` goes on), or with --no-sample renders everything: one \\
        render per distinct set of inputs, at most --concurrency in flight, the budget \\
        (--max-total) reserved in the ledger before each submit. `batch status DIR` shows where it \\
        stands from any terminal; `batch resume DIR` goes on after Ctrl-C, kill -9 or a reboot.
        """,
        subcommands: [BatchRun.self, BatchStatus.self, BatchResume.self, BatchApprove.self],
        defaultSubcommand: BatchRun.self
    )
}

struct BatchRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Check a plan, then sample or produce it.")

    @Argument(help: "The plan: a CSV with a header (id, photo, audio or script, title, voice, orientation, fit, resolution, motion, enhance_motion, captions_script), or JSON lines.")
    var plan: String
    @Option(help: ArgumentHelp("The batch directory.", valueName: "DIR")) var out: String
    @Flag(name: .customLong("dry-run"), help: "Check and prepare every row, then stop: nothing is paid.") var dryRun = false
    @Option(help: ArgumentHelp("Render this many rows first (covering orientations, voices, fits) and stop for a look.", valueName: "N"))
    var sample: Int?
    @Flag(name: .customLong("no-sample"), help: "No sample: produce every row at once.") var noSample = false
    @Option(help: ArgumentHelp("Renders in flight at once.", valueName: "K")) var concurrency = 3
    @Option(name: .customLong("max-total"), help: ArgumentHelp("The most the batch may spend; reserved before each submit.", valueName: "USD"))
    var maxTotal: Double?
    @Flag(name: .customLong("skip-blocked"), help: "Render the rows that pass and leave the blocked ones out.") var skipBlocked = false
    @Option(name: .customLong("set"), help: ArgumentHelp("A default for every row, e.g. --set fit=contain.", valueName: "KEY=VALUE"))
    var defaults: [String] = []
    @Option(name: .customLong("max-failures"), help: ArgumentHelp("Stop submitting after this many failed renders in a row.", valueName: "N"))
    var maxFailures = 5
    @Flag(name: .customLong("no-post"), help: "Stop at render.mp4: no web files.") var noPost = false
    @Option(help: "v2 (asynchronous, default) or v1 (synchronous, legacy).") var api: RunRequest.API = .v2
    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Seconds before the first status poll.", valueName: "SECONDS"))
    var pollInterval: Double = 2
    @Option(name: .customLong("wait-timeout"), help: ArgumentHelp("Stop waiting for one render after this many minutes.", valueName: "MIN"))
    var waitTimeout: Double = 20
    @Flag(help: "Run against the built-in sandbox on a loopback port: offline, free.") var sandbox = false
    @Flag(help: "Print the batch report (batch.json) on stdout.") var json = false
    @OptionGroup(title: "Service") var service: ServiceOptions
    @OptionGroup(title: "Ledger") var ledger: LedgerOptions

    func options() throws -> BatchOptions {
        var options = BatchOptions()
        guard (1...64).contains(concurrency) else { throw UsageError("--concurrency takes 1 to 64") }
        options.concurrency = concurrency
        if let maxTotal, !(maxTotal.isFinite && maxTotal > 0) { throw UsageError("--max-total takes an amount of USD above 0") }
        options.maxTotalUSD = maxTotal
        if let sample, sample < 1 { throw UsageError("--sample takes a number of rows above 0 (or --no-sample)") }
        if sample != nil && noSample { throw UsageError("give --sample N or --no-sample, not both") }
        options.sample = noSample ? nil : (sample ?? 3)
        options.skipBlocked = skipBlocked
        for pair in defaults {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw UsageError("--set \(pair): give KEY=VALUE") }
            options.defaults[parts[0]] = parts[1]
        }
        guard maxFailures >= 1 else { throw UsageError("--max-failures takes a number above 0") }
        options.maxFailuresInARow = maxFailures
        options.post = !noPost
        options.api = api.rawValue
        guard pollInterval.isFinite, pollInterval >= 0.05, pollInterval <= 15 else { throw UsageError("--poll-interval takes 0.05 to 15 seconds") }
        options.pollInterval = pollInterval
        guard waitTimeout.isFinite, waitTimeout > 0 else { throw UsageError("--wait-timeout takes a number of minutes above 0") }
        options.waitTimeout = waitTimeout
        return options
    }

    mutating func run() async throws {
        let options = try options()
        let plan: BatchPlan
        do {
            plan = try BatchPlan.load(self.plan, defaults: options.defaults)
        } catch let error as BatchError {
            throw UsageError(error.description)
        }
        let display = BatchDisplay()
        let directory = BatchDirectory(out)
        let dryRun = self.dryRun, json = self.json
        // A dry run talks to no service: it needs no key.
        let environment = dryRun ? nil : try await RunEnvironment.make(sandbox: sandbox, service: service, ledger: ledger)
        var session: BatchSession
        if let environment {
            session = BatchSession(ledger: environment.ledger, client: environment.client, host: environment.host)
        } else {
            session = BatchSession.offline(ledger: try await ledger.open(), http: service.http())
        }
        session.observer = display
        let outcome = await Interruptible.run { [session] in try await session.start(plan, directory: directory, options: options, dryRun: dryRun) }
        display.finish()
        await environment?.stop()
        try BatchOutput.finish(outcome, directory: directory, json: json)
    }
}

struct BatchStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Where a batch stands (any time, from any terminal).")

    @Argument(help: "The batch directory.") var directory: String
    @Flag(help: "The report as JSON.") var json = false
    @OptionGroup(title: "Ledger") var ledger: LedgerOptions

    mutating func run() async throws {
        let session = BatchSession.offline(ledger: try await ledger.open())
        do {
            let report = try await session.status(BatchDirectory(directory))
            if json {
                Terminal.out(String(decoding: try JobFilesystem.encoder().encode(report), as: UTF8.self))
            } else {
                Terminal.out(BatchOutput.table(report).joined(separator: "\n"))
            }
        } catch let error as BatchError {
            throw UsageError(error.description)
        }
    }
}

struct BatchResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Go on with a batch from the ledger; never pays twice.")

    @Argument(help: "The batch directory.") var directory: String
    @Flag(help: "Print the batch report (batch.json) on stdout.") var json = false
    @OptionGroup(title: "Service") var service: ServiceOptions
    @OptionGroup(title: "Ledger") var ledger: LedgerOptions

    mutating func run() async throws {
        try await BatchContinue.run(directory: directory, json: json, service: service, ledger: ledger, approve: false)
    }
}

struct BatchApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "The sample looks right: produce the rest.")

    @Argument(help: "The batch directory.") var directory: String
    @Flag(help: "Print the batch report (batch.json) on stdout.") var json = false
    @OptionGroup(title: "Service") var service: ServiceOptions
    @OptionGroup(title: "Ledger") var ledger: LedgerOptions

    mutating func run() async throws {
        try await BatchContinue.run(directory: directory, json: json, service: service, ledger: ledger, approve: true)
    }
}

enum BatchContinue {
    static func run(directory: String, json: Bool, service: ServiceOptions, ledger: LedgerOptions, approve: Bool) async throws {
        let display = BatchDisplay()
        let environment = try await RunEnvironment.make(sandbox: false, service: service, ledger: ledger)
        var session = BatchSession(ledger: environment.ledger, client: environment.client, host: environment.host)
        session.observer = display
        let batchDirectory = BatchDirectory(directory)
        let outcome = await Interruptible.run { [session] in
            approve ? try await session.approve(batchDirectory) : try await session.resume(batchDirectory)
        }
        display.finish()
        await environment.stop()
        try BatchOutput.finish(outcome, directory: batchDirectory, json: json)
    }
}

/// The end of a batch command: the table, the totals, what to do next, and the exit code.
enum BatchOutput {
    static func finish(_ outcome: Result<BatchSession.Outcome, Error>, directory: BatchDirectory, json: Bool) throws {
        let result: BatchSession.Outcome
        switch outcome {
        case .success(let value): result = value
        case .failure(let error as BatchError):
            Terminal.error(error.description)
            throw ExitCode(2)
        case .failure(let error as UsageError):
            throw error
        case .failure(let error as LedgerError):
            Terminal.error(error.description)
            throw ExitCode(1)
        case .failure(is CancellationError):
            Terminal.error("interrupted; `avatarpipe batch resume \(directory.path)` goes on (nothing is paid twice)")
            throw ExitCode(130)
        case .failure(let error):
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        let report = result.report
        if json {
            Terminal.out(String(decoding: try JobFilesystem.encoder().encode(report), as: UTF8.self))
        } else {
            Terminal.out(table(report).joined(separator: "\n"))
        }
        let totals = report.totals
        switch result.stop {
        case .checked:
            Terminal.log("checked: \(directory.page) shows each row's picture and verdict; nothing was paid")
            if totals.blocked + totals.unreadable > 0 && !report.options.skipBlocked { throw ExitCode(3) }
        case .blocked:
            Terminal.error("\(totals.blocked + totals.unreadable) row(s) block the batch; nothing was submitted. Fix them, or give --skip-blocked")
            throw ExitCode(3)
        case .sampled:
            Terminal.log("the sample is ready: look at \(directory.page), then `avatarpipe batch approve \(directory.path)`")
        case .stopped(let why):
            Terminal.error("the batch stopped submitting: \(why); `avatarpipe batch resume \(directory.path)` goes on")
            throw ExitCode(totals.held > 0 && why.contains("budget") ? 3 : 1)
        case .done:
            if totals.maybeSubmitted > 0 || totals.inFlight > 0 {
                Terminal.error("\(totals.maybeSubmitted) row(s) may have been submitted without an answer, \(totals.inFlight) still in flight: "
                               + "`avatarpipe batch resume \(directory.path)`; do not start them again")
                throw ExitCode(4)
            }
            if totals.failed > 0 { throw ExitCode(1) }
        }
    }

    static func table(_ report: BatchReport) -> [String] {
        var lines = ["ROW                  STATE            CHECK      COST      NOTE"]
        for row in report.rows {
            let cost = row.costUSD.map { $0 == 0 ? "reused" : Format.usd($0) } ?? (row.estimateUSD.map { "~" + Format.usd($0) } ?? "-")
            let note = row.error ?? row.finding ?? ""
            lines.append([LedgerTable.pad(row.id, 20), LedgerTable.pad(row.state.rawValue, 16), LedgerTable.pad(row.verdict ?? "-", 10),
                          LedgerTable.pad(cost, 9), String(note.prefix(100))].joined(separator: " "))
        }
        let totals = report.totals
        lines.append("")
        lines.append("\(totals.rows) rows: \(totals.renders) render(s) to pay, \(totals.duplicates) duplicate row(s) collapsed, "
                     + "\(totals.blocked) blocked, \(totals.unreadable) unreadable; estimated \(Format.usd(totals.estimatedUSD)) and "
                     + "\(Format.seconds(totals.estimatedSeconds)) at \(report.options.concurrency) at a time")
        if totals.rendered + totals.failed + totals.held + totals.inFlight > 0 || report.spend.total > 0 {
            lines.append("\(totals.posted) posted, \(totals.rendered - totals.posted) rendered, \(totals.inFlight) in flight, "
                         + "\(totals.failed) failed, \(totals.held) held, \(totals.maybeSubmitted) maybe submitted; spent "
                         + "\(Format.usd(report.spend.charged))" + (report.options.maxTotalUSD.map { " of \(Format.usd($0))" } ?? ""))
        }
        return lines
    }
}

/// A batch's progress on stderr. On a terminal: one line kept up to date (rows done, in
/// flight, waiting, failed, spend against the cap, ETA), row events above it. Otherwise: a
/// line per row event, and the counts at most every 15 s.
final class BatchDisplay: BatchObserver, RunObserver, Sendable {
    private let lastPlain = Mutex(Date.distantPast)
    private let tty = Terminal.stderrIsTTY

    func row(_ id: String, _ state: BatchRowState, _ message: String) {
        Terminal.log((tty ? "\r\u{1B}[K" : "") + "[row \(id)] \(message)")
    }

    func progress(_ progress: BatchProgress) {
        var line = "[batch] \(progress.done)/\(progress.rows) done · \(progress.inFlight) in flight · \(progress.waiting) waiting · "
            + "\(progress.failed) failed · spent \(Format.usd(progress.spent))" + (progress.cap.map { " of \(Format.usd($0))" } ?? "")
        if let eta = progress.etaSeconds, progress.waiting + progress.inFlight > 0 { line += " · about \(Format.seconds(eta)) left" }
        if tty {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            return
        }
        let due = lastPlain.withLock { last -> Bool in
            guard Date().timeIntervalSince(last) >= 15 || progress.waiting + progress.inFlight == 0 else { return false }
            last = Date()
            return true
        }
        if due { Terminal.log(line) }
    }

    func stage(_ name: String, _ message: String) {}
    func waiting(_ update: RenderPoller.Update, typicalSeconds: Double) {}
    func downloading(_ progress: DownloadProgress) {}
    func working(_ stage: String, done: Int, total: Int?, unit: String) {
        guard let total, done == total || done % 10 == 0 else { return }
        Terminal.log("[\(stage)] \(done)/\(total) \(unit)")
    }

    func finish() {
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
