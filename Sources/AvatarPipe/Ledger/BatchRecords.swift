import Foundation

/// Where a batch stands.
public enum BatchState: String, Codable, Sendable {
    /// Every row checked (the dry run); nothing rendered.
    case checked
    /// The sample is rendered and posted: waiting for `batch approve`.
    case sampled
    /// Production may go on (approved, or --no-sample).
    case approved
    /// Every row done, failed or set aside.
    case done
    /// Production stopped: a circuit breaker tripped or the budget ran out.
    case stopped
}

/// Where one row of a batch stands.
public enum BatchRowState: String, Codable, Sendable, CaseIterable {
    /// Not checked yet.
    case planned
    /// The row could not be read (a missing file, a bad field).
    case unreadable
    /// The checks block it: it is never rendered.
    case blocked
    /// Checked, waiting for its render.
    case ready
    /// Its render is claimed or in flight.
    case rendering
    /// render.mp4 is in its directory.
    case rendered
    /// The web files are made too: done.
    case posted
    /// The render failed at the service, or could not be made.
    case failed
    /// Its submit's answer was lost: a render may exist and be charged; never submitted again.
    case maybeSubmitted = "maybe_submitted"
    /// Not submitted: the budget is spent or the circuit breaker tripped.
    case held

    public var isFinished: Bool { [.posted, .failed, .blocked, .unreadable, .maybeSubmitted].contains(self) }
}

/// A batch: its directory, its plan and options, where it stands.
public struct LedgerBatch: Sendable, Equatable, Codable {
    public var id: String
    public var host: String
    public var path: String
    public var plan: String
    public var state: BatchState
    public var maxTotal: Double?
    /// The batch's options (JSON): what `batch resume` goes on with.
    public var options: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, host: String, path: String, plan: String, state: BatchState, maxTotal: Double?, options: String,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.host = host
        self.path = path
        self.plan = plan
        self.state = state
        self.maxTotal = maxTotal
        self.options = options
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, host, path, plan, state, options
        case maxTotal = "max_total", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// One row of a batch.
public struct LedgerBatchRow: Sendable, Equatable, Codable {
    public var batchID: String
    public var rowID: String
    public var position: Int
    public var state: BatchRowState
    /// ok, warn, block or unreadable.
    public var verdict: String?
    /// The first finding that is not ok (or why the row is unreadable).
    public var finding: String?
    public var renderKey: String?
    public var estimateUSD: Double?
    public var sample: Bool
    /// The budget this row holds for the render it submits, until that render is charged.
    public var reservedUSD: Double?
    public var renderID: Int64?
    public var error: String?
    /// The row's job directory.
    public var jobPath: String
    public var updatedAt: Date

    public init(batchID: String, rowID: String, position: Int, state: BatchRowState, verdict: String?, finding: String?,
                renderKey: String?, estimateUSD: Double?, sample: Bool = false, reservedUSD: Double? = nil, renderID: Int64? = nil,
                error: String? = nil, jobPath: String, updatedAt: Date = Date()) {
        self.batchID = batchID
        self.rowID = rowID
        self.position = position
        self.state = state
        self.verdict = verdict
        self.finding = finding
        self.renderKey = renderKey
        self.estimateUSD = estimateUSD
        self.sample = sample
        self.reservedUSD = reservedUSD
        self.renderID = renderID
        self.error = error
        self.jobPath = jobPath
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case position, state, verdict, finding, sample, error
        case batchID = "batch_id", rowID = "row_id", renderKey = "render_key", estimateUSD = "estimate_usd"
        case reservedUSD = "reserved_usd", renderID = "render_id", jobPath = "job_path", updatedAt = "updated_at"
    }
}

/// A change to a row.
public struct BatchRowChange: Sendable {
    public var state: BatchRowState?
    public var renderID: Int64?
    public var error: String?
    public var sample: Bool?

    public init(state: BatchRowState? = nil, renderID: Int64? = nil, error: String? = nil, sample: Bool? = nil) {
        self.state = state
        self.renderID = renderID
        self.error = error
        self.sample = sample
    }
}

/// What a batch has spent: charges of the renders it submitted, and what its renders in
/// flight hold.
public struct BatchSpend: Sendable, Equatable, Codable {
    public var charged: Double
    public var reserved: Double
    public var total: Double { charged + reserved }
}

/// What a batch's budget said to one submit.
public enum Reservation: Sendable, Equatable {
    case reserved
    /// Spent and held already, and what this one would add, are over the cap.
    case overBudget(spent: Double)
}
