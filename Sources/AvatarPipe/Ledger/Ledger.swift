import Foundation

/// The one transactional store of every claim, submission, charge, stored video and job
/// directory (DESIGN.md, "The ledger"). Every process that may pay for a render goes through
/// it, on this machine or any other that shares it:
///
/// - a claim keyed by (render key, endpoint) is committed, with its owner and a lease, before
///   a submit can leave; whoever finds a live claim follows it and never submits;
/// - the request id is written the moment the answer arrives, whatever happens next;
/// - a stored video is content-addressed and reused by every later run of the same key;
/// - every write of a claim's owner carries its fencing token, so a process that lost its
///   claim (paused past its lease, taken over) changes nothing.
///
/// `SQLiteLedger` is the embedded backend; the interface is what a PostgreSQL one implements.
public protocol Ledger: Sendable {
    /// Where it is, for messages and job.json (no password).
    var location: String { get }
    /// Where stored videos and partial downloads live on this machine.
    var storeDirectory: String { get }
    var lease: Duration { get }

    /// Finds what to do about a render: reuse it, own its claim (new or taken over from a
    /// dead owner), follow a live owner, or stop because a dead owner may have submitted.
    func acquire(_ want: RenderWant, owner: LedgerOwner) async throws -> Acquisition
    /// The same for one known render (`resume`): never makes a new claim.
    func acquire(renderID: Int64, owner: LedgerOwner) async throws -> Acquisition
    /// A fenced change by the claim's owner; throws `LedgerError.leaseLost` when the claim
    /// is no longer its own.
    func update(_ claim: RenderClaim, _ change: RenderChange) async throws -> RenderClaim
    /// The service accepted the submit. Never refused for a lost lease: a request id is
    /// never dropped.
    func recordSubmission(_ claim: RenderClaim, _ submission: Submission) async throws -> RenderClaim
    /// The video is stored and verified: the render is done, and charged.
    func recordRendered(_ claim: RenderClaim, video: LedgerVideo, charge: LedgerCharge) async throws -> RenderClaim
    /// Extends every lease `owner` holds.
    func renew(owner: LedgerOwner) async throws
    func note(renderID: Int64?, job: String?, kind: String, _ message: String) async throws

    func render(id: Int64) async throws -> LedgerRender?
    func charge(renderID: Int64) async throws -> LedgerCharge?
    /// Whether another render (on any endpoint) is in flight now, or was charged since `since`:
    /// then the balance's drop over one render is not that render's price.
    func othersCharged(besides renderID: Int64, since: Date) async throws -> Bool
    func video(sha256: String) async throws -> LedgerVideo?

    /// Takes a job directory for `owner`, unless a live process holds it.
    func enterJob(_ place: JobPlace, owner: LedgerOwner) async throws -> JobEntry
    func linkJob(_ place: JobPlace, to render: LedgerRender, owner: LedgerOwner) async throws
    /// Lets go of every lease `owner` holds (its claims stay where they stand, free to be
    /// taken over at once) and of its job directories.
    func release(owner: LedgerOwner) async throws
    func job(_ place: JobPlace) async throws -> LedgerJob?

    /// Creates or updates a batch and its rows (a row that has a render keeps it).
    func saveBatch(_ batch: LedgerBatch, rows: [LedgerBatchRow]) async throws
    func batch(at place: JobPlace) async throws -> LedgerBatch?
    func batchRows(_ batchID: String) async throws -> [LedgerBatchRow]
    func updateBatch(_ batchID: String, state: BatchState) async throws
    func updateRow(_ batchID: String, row rowID: String, _ change: BatchRowChange) async throws
    /// Holds the budget for one submit of the batch, in one transaction with the check.
    func reserve(_ batchID: String, row rowID: String, renderID: Int64, amount: Double, cap: Double?) async throws -> Reservation
    func batchSpend(_ batchID: String) async throws -> BatchSpend

    func listing(_ query: LedgerQuery) async throws -> [LedgerListing]
    func spend(since: Date) async throws -> LedgerSpend
    func events(renderID: Int64) async throws -> [LedgerEvent]
}

/// What a process wants rendered.
public struct RenderWant: Sendable {
    public var renderKey: String
    /// `ServiceEndpoint.ledgerOrigin`: renders of one endpoint never stand in for another's.
    public var endpoint: String
    public var api: String
    public var estimateUSD: Double?
    /// Never reuse; and give up a claim that died while submitting.
    public var forceNew: Bool

    public init(renderKey: String, endpoint: String, api: String, estimateUSD: Double?, forceNew: Bool) {
        self.renderKey = renderKey
        self.endpoint = endpoint
        self.api = api
        self.estimateUSD = estimateUSD
        self.forceNew = forceNew
    }

    /// The built-in sandbox's renders live only as long as the process that served them.
    var isEphemeral: Bool { endpoint == ServiceEndpoint.builtInSandbox }
}

/// A claim held by this process. Its token fences every write.
public struct RenderClaim: Sendable {
    public var render: LedgerRender
    public let owner: LedgerOwner
}

public enum Acquisition: Sendable {
    /// Rendered and stored already: nothing to pay.
    case reuse(LedgerRender, LedgerVideo)
    /// This process holds the claim; `render.state` says where it stands (`claimed`: submit
    /// it; `submitted`/`completed`: finish it).
    case owned(RenderClaim)
    /// A live process holds it: wait for it.
    case follow(LedgerRender)
    /// Its owner died while submitting: a render may exist and be charged.
    case maybeSubmitted(LedgerRender)
    /// Over, or never submitted (for `resume`).
    case ended(LedgerRender)
}

public enum RenderChange: Sendable {
    case submitting
    case creditsBefore(Double)
    case completed(outputURL: String)
    case partial(path: String?, validator: String?)
    case refused(String)
    case failed(String)
    case expired(String)
}

public enum JobEntry: Sendable {
    case entered(LedgerJob)
    case busy(LedgerJob)
}

/// A job directory: the machine and the absolute path.
public struct JobPlace: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var path: String

    public init(host: String = LedgerOwner.thisHost, path: String) {
        self.host = host
        self.path = path
    }

    /// The directory made absolute and free of symlinks (created first unless `create` is false).
    public static func of(_ directory: String, create: Bool = true) throws -> JobPlace {
        if create { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        return JobPlace(path: URL(fileURLWithPath: absolute).resolvingSymlinksInPath().standardizedFileURL.path)
    }

    public var description: String { host == LedgerOwner.thisHost ? path : "\(host):\(path)" }
}

public struct LedgerQuery: Sendable {
    public var states: [RenderState]?
    public var since: Date?
    public var limit: Int?

    public init(states: [RenderState]? = nil, since: Date? = nil, limit: Int? = nil) {
        self.states = states
        self.since = since
        self.limit = limit
    }
}

/// A render as `avatarpipe ledger` lists it: the row's fields, then the stored video, the
/// charge and the job directories that use it (one flat JSON object).
public struct LedgerListing: Sendable, Encodable {
    public var render: LedgerRender
    public var video: LedgerVideo?
    public var charged: Double?
    public var jobs: [String]

    enum CodingKeys: String, CodingKey { case video, charged, jobs, expiresAt = "expires_at" }

    public func encode(to encoder: any Encoder) throws {
        try render.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(video, forKey: .video)
        try container.encodeIfPresent(charged, forKey: .charged)
        try container.encode(jobs, forKey: .jobs)
        try container.encodeIfPresent(render.expiresAt, forKey: .expiresAt)
    }
}

public struct LedgerSpend: Sendable, Codable, Equatable {
    public var since: Date
    public var renders: Int
    public var charged: Double
    /// Estimates of the renders in flight (submitted, not yet charged).
    public var inFlight: Int
    public var inFlightEstimate: Double

    enum CodingKeys: String, CodingKey {
        case since, renders, charged
        case inFlight = "in_flight", inFlightEstimate = "in_flight_estimate_usd"
    }
}

public enum LedgerError: Error, CustomStringConvertible, Sendable {
    /// Another process took the claim over (this one was thought dead, or paused past its lease).
    case leaseLost(renderID: Int64, holder: String?)
    case notFound(String)
    case unusable(String)

    public var description: String {
        switch self {
        case .leaseLost(let id, let holder):
            return "render \(id) is no longer this process's to work on (now held by \(holder ?? "nobody"))"
        case .notFound(let what):
            return what
        case .unusable(let message):
            return message
        }
    }
}
