import Foundation

/// Where a render stands in the ledger. A row is one attempt at a render: the claim, then
/// the submission, then the stored video (or why it ended).
public enum RenderState: String, Codable, Sendable, CaseIterable {
    /// A process holds the claim and may submit; nothing has been sent yet.
    case claimed
    /// The submit is (or was about to be) on its way: whether it was accepted is unknown.
    case submitting
    /// The service accepted it: the request id and its URLs are recorded.
    case submitted
    /// The service finished it; the video's URL is recorded.
    case completed
    /// Downloaded, verified and stored.
    case rendered
    /// The submit was refused: nothing was started, nothing charged.
    case refused
    /// The service ended it FAILED (not charged).
    case failed
    /// The result expired before it was downloaded.
    case expired
    /// A claim whose owner died while submitting, given up by `--force-new` (or a built-in
    /// sandbox's render, gone with its process).
    case abandoned

    public static let inFlight: [RenderState] = [.claimed, .submitting, .submitted, .completed]
    public var isInFlight: Bool { RenderState.inFlight.contains(self) }
    /// A request id exists (or may): a render the service knows of.
    public var isSubmittedOrLater: Bool { [.submitted, .completed, .rendered, .expired].contains(self) }
}

/// One row of `renders`.
public struct LedgerRender: Sendable, Equatable, Codable {
    public var id: Int64
    public var renderKey: String
    /// The API base's origin (`https://api.segmind.com`), or `sandbox:built-in`.
    public var endpoint: String
    public var state: RenderState
    public var api: String
    public var owner: String?
    public var leaseUntil: Date?
    /// Fencing token: raised by every takeover; a write with an older token is refused.
    public var token: Int64
    public var requestID: String?
    public var statusURL: String?
    public var responseURL: String?
    public var pollURL: String?
    public var submitStartedAt: Date?
    public var submittedAt: Date?
    public var outputURL: String?
    /// The partial download of this request, and the validator (ETag or Last-Modified) its
    /// bytes came with: a resumed download asks for the rest only if the file is unchanged.
    public var partialPath: String?
    public var partialValidator: String?
    public var videoSHA256: String?
    public var estimateUSD: Double?
    public var creditsBefore: Double?
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// The service keeps a result one hour after submission.
    public var expiresAt: Date? { submittedAt?.addingTimeInterval(3600) }

    public var ownerName: String {
        guard let owner else { return "nobody" }
        return LedgerOwner(id: owner)?.description ?? owner
    }

    /// The owner is running (as far as can be known) and its lease has not run out.
    public func ownerIsAlive(at now: Date = Date()) -> Bool {
        guard let owner, let leaseUntil, leaseUntil > now else { return false }
        return !(LedgerOwner(id: owner)?.isKnownGone ?? false)
    }

    public func submission() -> Submission? {
        guard let requestID, let statusURL, let responseURL, let submittedAt else { return nil }
        return Submission(requestID: requestID, statusURL: statusURL, responseURL: responseURL, pollURL: pollURL,
                          submittedAt: submittedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, api, owner, token, error
        case renderKey = "render_key", endpoint, leaseUntil = "lease_until", requestID = "request_id"
        case statusURL = "status_url", responseURL = "response_url", pollURL = "poll_url"
        case submitStartedAt = "submit_started_at", submittedAt = "submitted_at", outputURL = "output_url"
        case partialPath = "partial_path", partialValidator = "partial_validator", videoSHA256 = "video_sha256"
        case estimateUSD = "estimate_usd", creditsBefore = "credits_before"
        case createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// One stored video: content-addressed, verified once, linked into every job that uses it.
public struct LedgerVideo: Sendable, Equatable, Codable {
    public var sha256: String
    /// Relative to the ledger's store directory.
    public var path: String
    public var bytes: Int64
    public var duration: Double?
    public var width: Int?
    public var height: Int?
    public var videoCodec: String?
    public var audioCodec: String?
    public var verifiedAt: Date

    public init(sha256: String, path: String, bytes: Int64, duration: Double?, width: Int?, height: Int?,
                videoCodec: String?, audioCodec: String?, verifiedAt: Date) {
        self.sha256 = sha256
        self.path = path
        self.bytes = bytes
        self.duration = duration
        self.width = width
        self.height = height
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.verifiedAt = verifiedAt
    }

    enum CodingKeys: String, CodingKey {
        case sha256, path, bytes, duration, width, height
        case videoCodec = "video_codec", audioCodec = "audio_codec", verifiedAt = "verified_at"
    }
}

/// A job directory on a machine, and who is working in it.
public struct LedgerJob: Sendable, Equatable, Codable {
    public var host: String
    public var path: String
    public var renderID: Int64?
    public var renderKey: String?
    public var owner: String?
    public var leaseUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public func ownerIsAlive(at now: Date = Date()) -> Bool {
        guard let owner, let leaseUntil, leaseUntil > now else { return false }
        return !(LedgerOwner(id: owner)?.isKnownGone ?? false)
    }

    enum CodingKeys: String, CodingKey {
        case host, path, owner
        case renderID = "render_id", renderKey = "render_key", leaseUntil = "lease_until"
        case createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// What a charge was: the balance's drop over the render when both ends were read, else the
/// estimate (`measured` false).
public struct LedgerCharge: Sendable, Equatable, Codable {
    public var renderID: Int64
    public var at: Date
    public var amount: Double
    public var measured: Bool
    public var creditsBefore: Double?
    public var creditsAfter: Double?

    public init(renderID: Int64, at: Date, amount: Double, measured: Bool, creditsBefore: Double?, creditsAfter: Double?) {
        self.renderID = renderID
        self.at = at
        self.amount = amount
        self.measured = measured
        self.creditsBefore = creditsBefore
        self.creditsAfter = creditsAfter
    }

    enum CodingKeys: String, CodingKey {
        case at, amount, measured
        case renderID = "render_id", creditsBefore = "credits_before", creditsAfter = "credits_after"
    }
}

public struct LedgerEvent: Sendable, Equatable, Codable {
    public var at: Date
    public var renderID: Int64?
    public var job: String?
    public var kind: String
    public var message: String

    enum CodingKeys: String, CodingKey {
        case at, job, kind, message
        case renderID = "render_id"
    }
}
