import AvatarHTTP
import Foundation

/// A batch from its plan to its gallery: the dry run, the sample, production, and resuming
/// any of them from the ledger. The CLI's `batch` commands are thin over this.
public struct BatchSession: Sendable {
    public var ledger: any Ledger
    public var client: SegmindClient
    public var host: TempHost
    public var observer: (any BatchObserver & RunObserver)?

    public init(ledger: any Ledger, client: SegmindClient, host: TempHost) {
        self.ledger = ledger
        self.client = client
        self.host = host
    }

    /// For what needs no service (a dry run, `status`): a client that has no key and a host
    /// that uploads nothing; anything that would submit is refused by the endpoint.
    public static func offline(ledger: any Ledger, http: HTTPClient = HTTPClient()) -> BatchSession {
        let nowhere = ServiceEndpoint(apiBase: "https://offline.invalid", storageBase: "https://offline.invalid", apiKey: "")
        return BatchSession(ledger: ledger, client: SegmindClient(endpoint: nowhere, http: http), host: PassthroughHost())
    }

    public enum Stop: Sendable, Equatable {
        /// Only checked (--dry-run).
        case checked
        /// Rows block and --skip-blocked was not given: nothing rendered.
        case blocked
        /// The sample is ready for a look.
        case sampled
        case done
        /// The breaker tripped or the budget ran out; held rows wait for `batch resume`.
        case stopped(String)
    }

    public struct Outcome: Sendable {
        public var stop: Stop
        public var report: BatchReport
        public var peakInFlight: Int
    }

    /// `batch PLAN --out DIR`: checks every row, then (unless told to stop) the sample or
    /// production.
    public func start(_ plan: BatchPlan, directory: BatchDirectory, options: BatchOptions, dryRun: Bool) async throws -> Outcome {
        let check = BatchCheck(ledger: ledger, http: client.http, observer: observer)
        var (batch, checked) = try await check.run(plan, directory: directory, options: options)
        let blocked = checked.contains { $0.row.state == .blocked || $0.row.state == .unreadable }
        if dryRun || (blocked && !options.skipBlocked) {
            let report = try await written(batch, directory: directory)
            return Outcome(stop: blocked && !options.skipBlocked ? .blocked : .checked, report: report, peakInFlight: 0)
        }
        if batch.state == .checked, let size = options.sample, size > 0 {
            let rows = try await ledger.batchRows(batch.id)
            for id in BatchSession.sample(rows, plan: plan, size: size) {
                try await ledger.updateRow(batch.id, row: id, BatchRowChange(sample: true))
            }
        } else if batch.state == .checked {
            try await ledger.updateBatch(batch.id, state: .approved)
            batch.state = .approved
        }
        let prepared = Dictionary(checked.compactMap { item in item.prepared.map { (item.row.rowID, $0) } }, uniquingKeysWith: { a, _ in a })
        return try await proceed(batch, plan: plan, directory: directory, options: options, prepared: prepared)
    }

    /// `batch approve DIR`: the sample was looked at; production goes on.
    public func approve(_ directory: BatchDirectory) async throws -> Outcome {
        var batch = try await find(directory)
        guard batch.state == .sampled || batch.state == .checked else {
            throw BatchError.state("\(directory.path) is \(batch.state.rawValue): there is no sample waiting for approval")
        }
        try await ledger.updateBatch(batch.id, state: .approved)
        batch.state = .approved
        let options = BatchOptions.decoded(batch.options)
        return try await proceed(batch, plan: try BatchPlan.load(batch.plan, defaults: options.defaults), directory: directory, options: options)
    }

    /// `batch resume DIR`: whatever was under way goes on — in-flight renders are polled,
    /// finished ones downloaded, unsubmitted ones submitted; nothing is paid twice.
    public func resume(_ directory: BatchDirectory) async throws -> Outcome {
        var batch = try await find(directory)
        if batch.state == .stopped || batch.state == .done {
            try await ledger.updateBatch(batch.id, state: .approved)
            batch.state = .approved
        }
        let options = BatchOptions.decoded(batch.options)
        return try await proceed(batch, plan: try BatchPlan.load(batch.plan, defaults: options.defaults), directory: directory, options: options)
    }

    public func status(_ directory: BatchDirectory) async throws -> BatchReport {
        try await BatchReport.make(try find(directory), ledger: ledger)
    }

    func proceed(_ batch: LedgerBatch, plan: BatchPlan, directory: BatchDirectory, options: BatchOptions,
                 prepared: [String: PreparedRender] = [:]) async throws -> Outcome {
        var runner = BatchRunner(ledger: ledger, client: client, host: host)
        runner.observer = observer
        switch batch.state {
        case .sampled:
            return Outcome(stop: .sampled, report: try await written(batch, directory: directory), peakInFlight: 0)
        case .checked:
            let result = try await runner.produce(batch, plan: plan, directory: directory, options: options, sampleOnly: true,
                                                  prepared: prepared)
            try await ledger.updateBatch(batch.id, state: .sampled)
            return try await finish(batch, result: result, directory: directory, stop: .sampled)
        default:
            let result = try await runner.produce(batch, plan: plan, directory: directory, options: options, sampleOnly: false,
                                                  prepared: prepared)
            let stop: Stop = result.stoppedBecause.map { .stopped($0) }
                ?? (result.rows.contains { $0.state == .held } ? .stopped("the budget is spent") : .done)
            try await ledger.updateBatch(batch.id, state: stop == .done ? .done : .stopped)
            return try await finish(batch, result: result, directory: directory, stop: stop)
        }
    }

    func finish(_ batch: LedgerBatch, result: BatchRunner.Result, directory: BatchDirectory, stop: Stop) async throws -> Outcome {
        Outcome(stop: stop, report: try await written(batch, directory: directory), peakInFlight: result.peakInFlight)
    }

    func written(_ batch: LedgerBatch, directory: BatchDirectory) async throws -> BatchReport {
        let fresh = try await ledger.batch(at: JobPlace(host: batch.host, path: batch.path)) ?? batch
        let report = try await BatchReport.make(fresh, ledger: ledger)
        try report.write(to: directory)
        return report
    }

    func find(_ directory: BatchDirectory) async throws -> LedgerBatch {
        guard FileManager.default.fileExists(atPath: directory.path),
              let batch = try await ledger.batch(at: try JobPlace.of(directory.path, create: false)) else {
            throw BatchError.state("\(directory.path) is not a batch in the ledger \(ledger.location) (start one with `avatarpipe batch PLAN --out DIR`)")
        }
        return batch
    }

    /// `size` rows that cover the spread of orientations, voices and fits, one per render key,
    /// in plan order among equals.
    static func sample(_ rows: [LedgerBatchRow], plan: BatchPlan, size: Int) -> [String] {
        let planRows = Dictionary(plan.rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let leaders = BatchRunner.byKey(rows.filter { $0.state == .ready }).compactMap { $0.first }
        var chosen: [String] = []
        var seen: [String: Set<String>] = ["orientation": [], "voice": [], "fit": []]
        var left = leaders
        while chosen.count < size, !left.isEmpty {
            func novelty(_ row: LedgerBatchRow) -> Int {
                guard let plan = planRows[row.rowID] else { return 0 }
                let values = ["orientation": plan.orientation.rawValue, "voice": plan.voice ?? "", "fit": plan.fit.rawValue]
                return values.filter { !(seen[$0.key]?.contains($0.value) ?? false) }.count
            }
            guard let best = left.enumerated().max(by: { novelty($0.element) < novelty($1.element)
                                                       || (novelty($0.element) == novelty($1.element) && $0.offset > $1.offset) }) else { break }
            left.remove(at: best.offset)
            chosen.append(best.element.rowID)
            if let plan = planRows[best.element.rowID] {
                seen["orientation"]?.insert(plan.orientation.rawValue)
                seen["voice"]?.insert(plan.voice ?? "")
                seen["fit"]?.insert(plan.fit.rawValue)
            }
        }
        return chosen
    }
}
