import AvatarHTTP
import Foundation
import Synchronization

/// The dry run of a batch: every row fetched, checked and prepared, two at a time (both
/// cores), into its own job directory; the result goes to the ledger. Nothing is paid.
public struct BatchCheck: Sendable {
    public var ledger: any Ledger
    public var http: HTTPClient
    public var observer: RunObserver?

    public init(ledger: any Ledger, http: HTTPClient = HTTPClient(), observer: RunObserver? = nil) {
        self.ledger = ledger
        self.http = http
        self.observer = observer
    }

    /// What one row's check found, and what its render would be.
    public struct Checked: Sendable {
        public var row: LedgerBatchRow
        public var request: RunRequest?
        /// What production can start from in this process (the checks are not done again).
        public var prepared: PreparedRender?
    }

    /// Checks every row and records the batch (created, or brought up to date: a row that
    /// has a render keeps it).
    public func run(_ plan: BatchPlan, directory: BatchDirectory, options: BatchOptions) async throws -> (LedgerBatch, [Checked]) {
        let place = try JobPlace.of(directory.path)
        let existing = try await ledger.batch(at: place)
        let batchID = existing?.id ?? UUID().uuidString.lowercased()
        var checked: [Checked] = []
        checked.reserveCapacity(plan.rows.count + plan.unreadable.count)
        for problem in plan.unreadable {
            checked.append(Checked(row: LedgerBatchRow(batchID: batchID, rowID: problem.id, position: problem.position, state: .unreadable,
                                                       verdict: "unreadable", finding: problem.message, renderKey: nil, estimateUSD: nil,
                                                       jobPath: directory.row(problem.id)), request: nil))
        }
        let done = Counter()
        let total = plan.rows.count
        try await withThrowingTaskGroup(of: Checked.self) { group in
            var next = 0
            func add() {
                guard next < plan.rows.count else { return }
                let row = plan.rows[next]
                next += 1
                group.addTask { await check(row, batchID: batchID, directory: directory, options: options) }
            }
            add()
            add()
            while let result = try await group.next() {
                checked.append(result)
                observer?.working("check", done: done.increment(), total: total, unit: "rows")
                add()
            }
        }
        checked.sort { $0.row.position < $1.row.position }
        let now = Date()
        let batch = LedgerBatch(id: batchID, host: place.host, path: place.path, plan: plan.path,
                                state: existing.map { $0.state == .done ? .checked : $0.state } ?? .checked,
                                maxTotal: options.maxTotalUSD, options: options.encoded(), createdAt: existing?.createdAt ?? now, updatedAt: now)
        try await ledger.saveBatch(batch, rows: checked.map(\.row))
        return (batch, checked)
    }

    /// One row: fetch what is remote, check, prepare, and the render key.
    func check(_ row: BatchRow, batchID: String, directory: BatchDirectory, options: BatchOptions) async -> Checked {
        let jobPath = directory.row(row.id)
        func refused(_ state: BatchRowState, _ verdict: String, _ finding: String, estimate: Double? = nil) -> Checked {
            Checked(row: LedgerBatchRow(batchID: batchID, rowID: row.id, position: row.position, state: state, verdict: verdict,
                                        finding: finding, renderKey: nil, estimateUSD: estimate, jobPath: jobPath), request: nil)
        }
        do {
            try FileManager.default.createDirectory(atPath: jobPath, withIntermediateDirectories: true)
            guard let voiceID = BatchCheck.voiceID(row.voice) else {
                return refused(.unreadable, "unreadable", "no voice is called \"\(row.voice ?? "")\"")
            }
            // Checked before from the same things: kept.
            let fingerprint = try? CheckedRow.fingerprint(of: row, options: options)
            if let fingerprint, let kept = CheckedRow.load(from: jobPath, fingerprint: fingerprint) {
                return checked(row, ready: kept, batchID: batchID, jobPath: jobPath)
            }
            let fetched = try await RemoteInputs.fetch(photo: row.photo, audio: row.audio, into: jobPath + "/input", http: http, observer: nil)
            let request = BatchCheck.request(for: row, fetched: fetched, voiceID: voiceID, jobPath: jobPath, options: options)
            let ready: PreparedRender
            do {
                ready = try await RenderRunner.prepare(request, observer: nil)
            } catch let refusal as RunRefusal {
                let report = refusal.report
                let finding = report.findings.first { $0.level != .ok }?.message
                return report.exitCode == 2
                    ? refused(.unreadable, "unreadable", finding ?? "an input cannot be read", estimate: report.cost.estimateUsd)
                    : refused(.blocked, "block", finding ?? "the checks block this row", estimate: report.cost.estimateUsd)
            }
            if let fingerprint { try? CheckedRow(fingerprint: fingerprint, prepared: ready).save(in: jobPath) }
            return checked(row, ready: ready, batchID: batchID, jobPath: jobPath)
        } catch {
            return refused(.unreadable, "unreadable", "\(error)")
        }
    }

    func checked(_ row: BatchRow, ready: PreparedRender, batchID: String, jobPath: String) -> Checked {
        let report = ready.report
        let finding = report.findings.first { $0.level != .ok }?.message
        return Checked(row: LedgerBatchRow(batchID: batchID, rowID: row.id, position: row.position, state: .ready,
                                           verdict: report.verdict.rawValue, finding: finding, renderKey: ready.renderKey,
                                           estimateUSD: report.cost.estimateUsd, jobPath: jobPath), request: nil, prepared: ready)
    }

    /// What `run` would be asked for this row.
    public static func request(for row: BatchRow, fetched: RemoteInputs.Fetched, voiceID: String, jobPath: String,
                               options: BatchOptions) -> RunRequest {
        let script = row.script.map { ScriptInput(text: $0) }
        let preflight = PreflightRequest(photoPath: fetched.photo, audioPath: fetched.audio, script: script, voice: row.voice,
                                         orientation: row.orientation, fit: row.fit,
                                         pricePerCallUSD: options.pricePerCallUSD ?? ServiceLimits.defaultPricePerCallUSD)
        var preparation = PreparationOptions()
        preparation.photo.orientation = row.orientation
        let parameters = RenderParameters(videoTitle: row.title ?? "avatarpipe \(row.id)", script: row.script, voiceID: voiceID,
                                          orientation: row.orientation, fit: row.fit, customMotionPrompt: row.motion,
                                          enhanceCustomMotionPrompt: row.enhanceMotion)
        var request = RunRequest(preflight: preflight, preparation: preparation, parameters: parameters, jobDirectory: jobPath)
        request.api = RunRequest.API(rawValue: options.api) ?? .v2
        request.sourceURLs = fetched.sourceURLs
        return request
    }

    static func voiceID(_ voice: String?) -> String? {
        guard let voice else { return VoiceCatalog.defaultID }
        switch VoiceCatalog.resolve(voice) {
        case .known(let known): return known.id
        case .unknownID(let id): return id
        case .unknown: return nil
        }
    }
}

/// A count shared by concurrent tasks.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
