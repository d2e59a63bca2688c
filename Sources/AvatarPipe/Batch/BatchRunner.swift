import AvatarHTTP
import Foundation
import Synchronization

/// What a batch reports while it works.
public protocol BatchObserver: Sendable {
    func row(_ id: String, _ state: BatchRowState, _ message: String)
    func progress(_ progress: BatchProgress)
}

public struct BatchProgress: Sendable, Codable, Equatable {
    public var rows: Int
    public var done: Int
    public var inFlight: Int
    public var waiting: Int
    public var failed: Int
    public var spent: Double
    public var cap: Double?
    /// From the render times measured so far.
    public var etaSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case rows, done, waiting, failed, spent, cap
        case inFlight = "in_flight", etaSeconds = "eta_seconds"
    }
}

/// Production of a checked batch: each render key rendered once (at most `concurrency` in
/// flight, one rate limiter, the budget reserved in the ledger before each submit, a circuit
/// breaker), linked into every row of that key, and posted on a pool that leaves a core free.
/// Everything it does goes through the ledger and `RenderRunner`, so that after a crash
/// `batch resume` polls what is in flight, downloads what finished and submits what never
/// was — and never pays twice, whoever else runs the same batch at the same time.
public struct BatchRunner: Sendable {
    public var ledger: any Ledger
    public var client: SegmindClient
    public var host: TempHost
    public var observer: BatchObserver?
    /// Posts at once. Each runs at a lower priority (nice 10), so that downloads, checks and
    /// verification — what renders wait on — always get a core first.
    public var postWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// How long this process's renders took, for the ETA.
    let renderTimes = RenderClock()
    public var http: HTTPClient { client.http }

    public init(ledger: any Ledger, client: SegmindClient, host: TempHost) {
        self.ledger = ledger
        var client = client
        // One submit attempt: a 429 or 503 pauses the whole batch (BatchRateLimiter) instead
        // of each submit retrying into the limit.
        client.submitRetry = .submit(maxAttempts: 1)
        self.client = client
        self.host = host
    }

    public struct Result: Sendable {
        public var rows: [LedgerBatchRow]
        public var spend: BatchSpend
        public var peakInFlight: Int
        public var stoppedBecause: String?
    }

    /// Renders (and posts) the rows of `batch` that are not done. With `sampleOnly`, only the
    /// rows marked as the sample.
    public func produce(_ batch: LedgerBatch, plan: BatchPlan, directory: BatchDirectory, options: BatchOptions,
                        sampleOnly: Bool, prepared: [String: PreparedRender] = [:]) async throws -> Result {
        let rows = try await ledger.batchRows(batch.id)
        let planRows = Dictionary(plan.rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let wanted = rows.filter { row in
            guard let key = row.renderKey, !key.isEmpty, planRows[row.rowID] != nil else { return false }
            let open: [BatchRowState] = [.ready, .rendering, .rendered, .held]
            return open.contains(row.state) && (!sampleOnly || row.sample)
        }
        let groups = BatchRunner.byKey(wanted)
        let shared = Shared(limiter: BatchRateLimiter(), breaker: BatchCircuitBreaker(limit: options.maxFailuresInARow),
                            inFlight: InFlightCounter(), renders: Semaphore(options.concurrency), posts: Semaphore(postWorkers),
                            clock: renderTimes, total: wanted.count, prepared: prepared)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Finished keys are reaped as the batch goes, so that memory stays flat with the
            // number of rows (a task group keeps every child until it is awaited).
            let window = options.concurrency + postWorkers + 2
            var running = 0
            for rowsOfKey in groups {
                if running >= window {
                    try await group.next()
                    running -= 1
                }
                await shared.renders.acquire()
                group.addTask {
                    try await produce(rowsOfKey, batch: batch, planRows: planRows, directory: directory, options: options, shared: shared)
                }
                running += 1
            }
            try await group.waitForAll()
        }
        let spend = try await ledger.batchSpend(batch.id)
        return Result(rows: try await ledger.batchRows(batch.id), spend: spend, peakInFlight: shared.inFlight.peak,
                      stoppedBecause: await shared.breaker.reason)
    }

    /// The rows grouped by render key, each group in plan order, the groups by their first row.
    static func byKey(_ rows: [LedgerBatchRow]) -> [[LedgerBatchRow]] {
        var groups: [String: [LedgerBatchRow]] = [:]
        for row in rows { groups[row.renderKey ?? "", default: []].append(row) }
        let sorted: [[LedgerBatchRow]] = groups.values.map { group in group.sorted { $0.position < $1.position } }
        return sorted.sorted { $0[0].position < $1[0].position }
    }

    /// What the rows of one batch share.
    struct Shared: Sendable {
        let limiter: BatchRateLimiter
        let breaker: BatchCircuitBreaker
        let inFlight: InFlightCounter
        let renders: Semaphore
        let posts: Semaphore
        let clock: RenderClock
        let total: Int
        /// Rows checked by this process's dry run: not checked again.
        let prepared: [String: PreparedRender]
    }

    /// One render key: its render (holding a render slot), then every row of it, posted.
    func produce(_ rows: [LedgerBatchRow], batch: LedgerBatch, planRows: [String: BatchRow], directory: BatchDirectory,
                 options: BatchOptions, shared: Shared) async throws {
        let leader = rows[0]
        // The slot is given back when the service is done with the render (the download is
        // local work), or when the row ends, whichever is first.
        let slot = SlotRelease(shared.renders)
        let outcome = await render(leader, batch: batch, row: planRows[leader.rowID], options: options, shared: shared, slot: slot)
        await slot.release()
        guard case .rendered = outcome else {
            for row in rows { try await settle(row, batch: batch, outcome: outcome) }
            return
        }
        try await settle(leader, batch: batch, outcome: outcome)
        var finished = [leader]
        for row in rows.dropFirst() {
            // The same key: the stored render is linked, nothing is paid.
            let linked = await render(row, batch: batch, row: planRows[row.rowID], options: options, shared: shared, slot: nil)
            try await settle(row, batch: batch, outcome: linked)
            if case .rendered = linked { finished.append(row) }
        }
        guard options.post else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for row in finished {
                group.addTask { try await post(row, batch: batch, row: planRows[row.rowID], shared: shared) }
            }
            try await group.waitForAll()
        }
    }

    enum Outcome: Sendable {
        case rendered(RunOutcome)
        case held(String)
        case maybeSubmitted(String)
        case stillRendering(String)
        case failed(String)
    }

    /// Runs one row through `RenderRunner` (which claims, follows or reuses through the
    /// ledger), waiting out the service's rate limit.
    func render(_ ledgerRow: LedgerBatchRow, batch: LedgerBatch, row: BatchRow?, options: BatchOptions, shared: Shared,
                slot: SlotRelease?) async -> Outcome {
        guard let row else { return .failed("the row is no longer in the plan") }
        if ledgerRow.state == .rendered, FileManager.default.fileExists(atPath: ledgerRow.jobPath + "/" + RenderRunner.renderFile),
           let id = ledgerRow.renderID {
            var journal = (try? JobJournal.load(from: ledgerRow.jobPath)) ?? JobJournal(parameters: RenderParameters(videoTitle: ""), api: "v2")
            journal.renderId = id
            return .rendered(RunOutcome(journal: journal, report: nil, reused: true, renderID: id))
        }
        let started = ContinuousClock.now
        observer?.row(row.id, .rendering, "rendering")
        while true {
            let gate = BatchGate(batchID: batch.id, rowID: row.id, ledger: ledger, limiter: shared.limiter, breaker: shared.breaker,
                                 cap: batch.maxTotal, inFlight: shared.inFlight, onServiceFinished: { await slot?.release() })
            defer { gate.finish() }
            do {
                let request = try await request(for: row, jobPath: ledgerRow.jobPath, options: options)
                var runner = RenderRunner(client: client, host: host, ledger: ledger)
                runner.gate = gate
                runner.poller.deadline = .milliseconds(Int64(options.waitTimeout * 60_000))
                runner.poller.initialInterval = .milliseconds(Int64(options.pollInterval * 1000))
                let prepared = shared.prepared[row.id]
                    ?? (try? CheckedRow.fingerprint(of: row, options: options)).flatMap { CheckedRow.load(from: ledgerRow.jobPath, fingerprint: $0) }
                let outcome = try await runner.run(request, prepared: prepared)
                if !outcome.reused { await shared.breaker.succeeded(); shared.clock.add(ContinuousClock.now - started) }
                return .rendered(outcome)
            } catch let hold as BatchHold {
                return .held(hold.description)
            } catch RenderError.rateLimited(_, let message, let retryAt) {
                observer?.row(row.id, .ready, "rate limited (\(message)); the batch waits")
                await shared.limiter.pause(until: retryAt ?? Date().addingTimeInterval(5))
                continue
            } catch RenderError.serviceError(503, let message) {
                observer?.row(row.id, .ready, "unavailable (\(message)); the batch waits")
                await shared.limiter.pause(until: Date().addingTimeInterval(5))
                continue
            } catch let error as RenderError {
                switch error {
                case .maybeSubmitted: return .maybeSubmitted(error.description)
                case .stillRendering, .afterSubmit: return .stillRendering(error.description)
                default:
                    if case .serviceFailed = error { await shared.breaker.failed(error.description) }
                    return .failed(error.description)
                }
            } catch let refusal as RunRefusal {
                return .failed(refusal.description)
            } catch is CancellationError {
                return .stillRendering("interrupted")
            } catch {
                return .failed("\(error)")
            }
        }
    }

    func request(for row: BatchRow, jobPath: String, options: BatchOptions) async throws -> RunRequest {
        let fetched = try await RemoteInputs.fetch(photo: row.photo, audio: row.audio, into: jobPath + "/input", http: http, observer: nil)
        guard let voiceID = BatchCheck.voiceID(row.voice) else { throw BatchError.plan("no voice is called \"\(row.voice ?? "")\"") }
        return BatchCheck.request(for: row, fetched: fetched, voiceID: voiceID, jobPath: jobPath, options: options)
    }

    func settle(_ row: LedgerBatchRow, batch: LedgerBatch, outcome: Outcome) async throws {
        let change: BatchRowChange
        switch outcome {
        case .rendered(let run): change = BatchRowChange(state: .rendered, renderID: run.renderID, error: "")
        case .held(let why): change = BatchRowChange(state: .held, error: why)
        case .maybeSubmitted(let why): change = BatchRowChange(state: .maybeSubmitted, error: why)
        case .stillRendering(let why): change = BatchRowChange(state: .rendering, error: why)
        case .failed(let why): change = BatchRowChange(state: .failed, error: why)
        }
        try await ledger.updateRow(batch.id, row: row.rowID, change)
        observer?.row(row.rowID, change.state ?? row.state, change.error.map { $0.isEmpty ? "rendered" : $0 } ?? "")
        await report(batch)
    }

    /// Counts from the ledger, spend against the cap, and an ETA from the render times so far.
    func report(_ batch: LedgerBatch, shared: Shared? = nil) async {
        guard let observer, let rows = try? await ledger.batchRows(batch.id), let spend = try? await ledger.batchSpend(batch.id) else { return }
        let options = BatchOptions.decoded(batch.options)
        func count(_ states: BatchRowState...) -> Int { rows.filter { states.contains($0.state) }.count }
        let waiting = rows.filter { $0.state == .ready || $0.state == .held }
        let keysLeft = Set(waiting.compactMap(\.renderKey)).count + count(.rendering)
        let eta = renderTimes.mean.map { Double(keysLeft) * $0 / Double(max(1, options.concurrency)) }
        observer.progress(BatchProgress(rows: rows.count, done: count(.rendered, .posted, .failed, .blocked, .unreadable, .maybeSubmitted),
                                        inFlight: count(.rendering), waiting: waiting.count, failed: count(.failed), spent: spend.charged,
                                        cap: batch.maxTotal, etaSeconds: eta))
    }

    /// The web files of one rendered row, on the post pool.
    func post(_ ledgerRow: LedgerBatchRow, batch: LedgerBatch, row: BatchRow?, shared: Shared) async throws {
        await shared.posts.acquire()
        defer { Task { await shared.posts.release() } }
        let video = ledgerRow.jobPath + "/" + RenderRunner.renderFile
        var options = PostOptions(title: row?.title ?? "avatarpipe \(ledgerRow.rowID)")
        options.script = row?.captionsScript ?? row?.script
        do {
            _ = try await Offload.$niceness.withValue(10) {
                try await PostProcessor.run(video: video, into: ledgerRow.jobPath, options: options)
            }
            try await ledger.updateRow(batch.id, row: ledgerRow.rowID, BatchRowChange(state: .posted))
            observer?.row(ledgerRow.rowID, .posted, "posted")
        } catch {
            // render.mp4 is safe: only the web files are missing; the row stays rendered.
            try await ledger.updateRow(batch.id, row: ledgerRow.rowID, BatchRowChange(error: "post-processing failed: \(error)"))
            observer?.row(ledgerRow.rowID, .rendered, "post-processing failed: \(error)")
        }
    }
}

extension BatchGate {
    /// The flight this gate counted ends (the render is downloaded, or the run ended).
    func finish() {
        if reserved.withLock({ value in defer { value = false }; return value }) { inFlight.ended() }
    }
}

/// One place of a semaphore, given back once however many times it is asked to.
final class SlotRelease: Sendable {
    private let semaphore: Semaphore
    private let released = Mutex(false)

    init(_ semaphore: Semaphore) {
        self.semaphore = semaphore
    }

    func release() async {
        guard released.withLock({ done in defer { done = true }; return !done }) else { return }
        await semaphore.release()
    }
}

/// A counting semaphore for tasks: `acquire` waits for a free place.
actor Semaphore {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ places: Int) {
        free = max(1, places)
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// How long renders took, for the ETA.
final class RenderClock: Sendable {
    private let times = Mutex<[Double]>([])
    func add(_ duration: Duration) { times.withLock { $0.append(duration.seconds) } }
    var mean: Double? { times.withLock { $0.isEmpty ? nil : $0.reduce(0, +) / Double($0.count) } }
}
