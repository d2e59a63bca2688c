import Foundation

/// Changes to a running sandbox: faults to inject into the next requests, and settings.
/// Every field is optional; what is nil stays as it is. The same document is the body of
/// `POST /sandbox/control` (snake_case keys) and the argument of `Sandbox.control(_:)`.
///
///     {"fail_submits": {"count": 1, "status": 503, "retry_after": 2},
///      "drop_submits": 1, "fail_jobs": {"count": 1, "reason": "no face found"},
///      "fail_polls": {"count": 2}, "truncate_downloads": {"count": 1, "after_bytes": 65536},
///      "balance": 1.5, "requests_per_minute": 2, "latency": 0, "result_lifetime": 60,
///      "advance_clock": 3601}
public struct SandboxControl: Codable, Sendable, Equatable {
    /// Answer the next `count` requests of a kind with `status` (and `Retry-After` when
    /// given) instead of handling them.
    public struct FailRequests: Codable, Sendable, Equatable {
        public var count: Int
        public var status: Int
        public var retryAfter: Int?
        public var message: String?

        public init(count: Int = 1, status: Int, retryAfter: Int? = nil, message: String? = nil) {
            self.count = count
            self.status = status
            self.retryAfter = retryAfter
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case count, status, message
            case retryAfter = "retry_after"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
            status = try container.decodeIfPresent(Int.self, forKey: .status) ?? 500
            retryAfter = try container.decodeIfPresent(Int.self, forKey: .retryAfter)
            message = try container.decodeIfPresent(String.self, forKey: .message)
        }
    }

    /// The next `count` accepted jobs end FAILED with `reason` (and are not charged).
    public struct FailJobs: Codable, Sendable, Equatable {
        public var count: Int
        public var reason: String

        public init(count: Int = 1, reason: String = "the sandbox was told to fail this job") {
            self.count = count
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case count, reason
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
            reason = try container.decodeIfPresent(String.self, forKey: .reason) ?? "the sandbox was told to fail this job"
        }
    }

    /// The next `count` output downloads send at most `afterBytes` bytes of their body, then
    /// the connection is closed (the announced Content-Length is not reached).
    public struct TruncateDownloads: Codable, Sendable, Equatable {
        public var count: Int
        public var afterBytes: Int

        public init(count: Int = 1, afterBytes: Int) {
            self.count = count
            self.afterBytes = afterBytes
        }

        enum CodingKeys: String, CodingKey {
            case count
            case afterBytes = "after_bytes"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
            afterBytes = try container.decode(Int.self, forKey: .afterBytes)
        }
    }

    /// The next `count` output downloads get a defective video instead of the render:
    /// `png` (a picture served as video/mp4) or `truncated` (the MP4 cut to 60% of its bytes,
    /// served whole: the HTTP transfer is complete, the video is not).
    public struct BadOutputs: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case png, truncated }
        public var count: Int
        public var kind: Kind

        public init(count: Int = 1, kind: Kind) {
            self.count = count
            self.kind = kind
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
            kind = try container.decode(Kind.self, forKey: .kind)
        }

        enum CodingKeys: String, CodingKey { case count, kind }
    }

    /// Submits (v1 or v2) answered with an error status before they are looked at.
    public var failSubmits: FailRequests?
    /// Submits whose connection is closed without an answer, after the body was read and
    /// the job was recorded: the job exists, renders and is charged.
    public var dropSubmits: Int?
    public var failJobs: FailJobs?
    /// Polls of status_url or response_url answered with an error status (500 unless said).
    public var failPolls: FailRequests?
    public var truncateDownloads: TruncateDownloads?
    public var badOutputs: BadOutputs?
    /// Gates to close and to open (`SandboxGate`).
    public var hold: [SandboxGate]?
    public var release: [SandboxGate]?
    /// Bytes a held output download sends before it waits at the `downloads` gate.
    public var holdDownloadsAfter: Int?
    /// Accepted submits name this URL (plus `&id=…`) as their status and response URLs: a
    /// service pointing the client at another origin ("" stops it).
    public var foreignStatusURL: String?
    /// Disarms every fault first (then arms what this document gives).
    public var clearFaults: Bool?

    public var balance: Double?
    public var price: Double?
    /// 0 removes the limit.
    public var requestsPerMinute: Int?
    public var rateLimitScope: SandboxConfiguration.RateLimitScope?
    public var latency: Double?
    public var resultLifetime: Double?
    /// Moves the sandbox's clock forward by this many seconds: results expire and the
    /// rate-limit window slides as if that time had passed.
    public var advanceClock: Double?
    public var outputShape: SandboxConfiguration.OutputShape?
    public var v1Answer: SandboxConfiguration.V1Answer?
    public var acceptsWAVUploads: Bool?

    public init(failSubmits: FailRequests? = nil, dropSubmits: Int? = nil, failJobs: FailJobs? = nil,
                failPolls: FailRequests? = nil, truncateDownloads: TruncateDownloads? = nil, badOutputs: BadOutputs? = nil,
                hold: [SandboxGate]? = nil, release: [SandboxGate]? = nil, holdDownloadsAfter: Int? = nil,
                foreignStatusURL: String? = nil, clearFaults: Bool? = nil,
                balance: Double? = nil, price: Double? = nil, requestsPerMinute: Int? = nil,
                rateLimitScope: SandboxConfiguration.RateLimitScope? = nil, latency: Double? = nil,
                resultLifetime: Double? = nil, advanceClock: Double? = nil,
                outputShape: SandboxConfiguration.OutputShape? = nil, v1Answer: SandboxConfiguration.V1Answer? = nil,
                acceptsWAVUploads: Bool? = nil) {
        self.failSubmits = failSubmits
        self.dropSubmits = dropSubmits
        self.failJobs = failJobs
        self.failPolls = failPolls
        self.truncateDownloads = truncateDownloads
        self.badOutputs = badOutputs
        self.hold = hold
        self.release = release
        self.holdDownloadsAfter = holdDownloadsAfter
        self.foreignStatusURL = foreignStatusURL
        self.clearFaults = clearFaults
        self.balance = balance
        self.price = price
        self.requestsPerMinute = requestsPerMinute
        self.rateLimitScope = rateLimitScope
        self.latency = latency
        self.resultLifetime = resultLifetime
        self.advanceClock = advanceClock
        self.outputShape = outputShape
        self.v1Answer = v1Answer
        self.acceptsWAVUploads = acceptsWAVUploads
    }

    enum CodingKeys: String, CodingKey {
        case failSubmits = "fail_submits"
        case dropSubmits = "drop_submits"
        case failJobs = "fail_jobs"
        case failPolls = "fail_polls"
        case truncateDownloads = "truncate_downloads"
        case badOutputs = "bad_outputs"
        case hold, release
        case holdDownloadsAfter = "hold_downloads_after"
        case foreignStatusURL = "foreign_status_url"
        case clearFaults = "clear_faults"
        case balance, price, latency
        case requestsPerMinute = "requests_per_minute"
        case rateLimitScope = "rate_limit_scope"
        case resultLifetime = "result_lifetime"
        case advanceClock = "advance_clock"
        case outputShape = "output_shape"
        case v1Answer = "v1_answer"
        case acceptsWAVUploads = "accepts_wav_uploads"
    }
}

/// What a sandbox is set to now: the answer of `POST /sandbox/control`.
public struct SandboxSettings: Codable, Sendable, Equatable {
    public var balance: Double
    public var price: Double
    public var latency: Double
    public var resultLifetime: Double
    public var requestsPerMinute: Int?
    public var rateLimitScope: SandboxConfiguration.RateLimitScope
    public var outputShape: SandboxConfiguration.OutputShape
    public var v1Answer: SandboxConfiguration.V1Answer
    public var acceptsWAVUploads: Bool
    /// The sandbox's clock (the real one plus every `advance_clock`).
    public var now: Date
    public var clockOffset: Double
    /// The faults still armed (counts left).
    public var armed: SandboxControl
    /// The gates now closed.
    public var held: [SandboxGate] = []

    enum CodingKeys: String, CodingKey {
        case balance, price, latency, now, armed
        case resultLifetime = "result_lifetime"
        case requestsPerMinute = "requests_per_minute"
        case rateLimitScope = "rate_limit_scope"
        case outputShape = "output_shape"
        case v1Answer = "v1_answer"
        case acceptsWAVUploads = "accepts_wav_uploads"
        case clockOffset = "clock_offset"
        case held
    }
}
