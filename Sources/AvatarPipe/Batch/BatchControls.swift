import Foundation
import Synchronization

/// One rate limiter for a whole batch: when the service says to come back later (429 with
/// `Retry-After` or `x-rate-limit-reset-at-utc`, a 503), every submit of the batch waits
/// until then, instead of each retrying into the limit on its own.
public actor BatchRateLimiter {
    private var pausedUntil = Date.distantPast
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
    }

    /// Holds every submit until `instant` (a later pause extends it).
    public func pause(until instant: Date) {
        pausedUntil = max(pausedUntil, instant)
    }

    public var resumesAt: Date? { pausedUntil > now() ? pausedUntil : nil }

    /// Returns when submits may go on.
    public func waitTurn() async throws {
        while true {
            let left = pausedUntil.timeIntervalSince(now())
            if left <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(left * 1000) + 1))
        }
    }
}

/// Stops new submits (those in flight finish) when the key or the account is refused (401,
/// 403, 406), or after `limit` failed renders in a row.
public actor BatchCircuitBreaker {
    public private(set) var reason: String?
    private var failuresInARow = 0
    private let limit: Int

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public var isOpen: Bool { reason != nil }

    public func trip(_ why: String) {
        if reason == nil { reason = why }
    }

    public func succeeded() {
        failuresInARow = 0
    }

    public func failed(_ why: String) {
        failuresInARow += 1
        if failuresInARow >= limit { trip("\(failuresInARow) renders failed in a row (the last: \(why))") }
    }
}

/// Why a row was not submitted.
public enum BatchHold: Error, CustomStringConvertible, Sendable {
    case breaker(String)
    case budget(spent: Double, cap: Double)
    /// The service asked to come back later: the row goes back in the queue.
    case later(Date)

    public var description: String {
        switch self {
        case .breaker(let reason): return "not submitted: the batch stopped submitting (\(reason))"
        case .budget(let spent, let cap): return "not submitted: the batch has spent or holds \(Format.usd(spent)) of its \(Format.usd(cap)) cap"
        case .later(let instant): return "the service asked to wait until \(Format.timestamp(instant))"
        }
    }
}

/// The batch's say on one row's submit: the breaker, the rate limit, the budget (reserved in
/// the ledger in the same transaction that checks it); and what the answer teaches them.
final class BatchGate: SubmitGate {
    let batchID: String
    let rowID: String
    let ledger: any Ledger
    let limiter: BatchRateLimiter
    let breaker: BatchCircuitBreaker
    let cap: Double?
    let inFlight: InFlightCounter
    /// This gate counted a flight that has not ended yet.
    let reserved = Mutex(false)
    /// Gives the render slot back (once) when the service is done with the render.
    let onServiceFinished: @Sendable () async -> Void

    init(batchID: String, rowID: String, ledger: any Ledger, limiter: BatchRateLimiter, breaker: BatchCircuitBreaker, cap: Double?,
         inFlight: InFlightCounter, onServiceFinished: @escaping @Sendable () async -> Void = {}) {
        self.onServiceFinished = onServiceFinished
        self.batchID = batchID
        self.rowID = rowID
        self.ledger = ledger
        self.limiter = limiter
        self.breaker = breaker
        self.cap = cap
        self.inFlight = inFlight
    }

    func beforeSubmit(_ claim: RenderClaim, jobDirectory: String) async throws {
        if let reason = await breaker.reason { throw BatchHold.breaker(reason) }
        try await limiter.waitTurn()
        if let reason = await breaker.reason { throw BatchHold.breaker(reason) }
        let amount = claim.render.estimateUSD ?? ServiceLimits.defaultPricePerCallUSD
        switch try await ledger.reserve(batchID, row: rowID, renderID: claim.render.id, amount: amount, cap: cap) {
        case .reserved:
            inFlight.started()
            reserved.withLock { $0 = true }
        case .overBudget(let spent): throw BatchHold.budget(spent: spent, cap: cap ?? 0)
        }
    }

    func serviceFinished(_ claim: RenderClaim) async {
        finish()
        await onServiceFinished()
    }

    func submitted(_ claim: RenderClaim, jobDirectory: String, outcome: SubmitOutcome) async {
        switch outcome {
        case .accepted:
            return
        case .unknown:
            finish()
        case .refused(let error):
            finish()
            switch error {
            case .rateLimited(_, _, let retryAt):
                await limiter.pause(until: retryAt ?? Date().addingTimeInterval(5))
            case .serviceError(let status, _) where status == 503:
                await limiter.pause(until: Date().addingTimeInterval(5))
            case .unauthorized, .forbidden, .insufficientCredits:
                await breaker.trip(error.description)
            default:
                await breaker.failed(error.description)
            }
        }
    }
}

/// Renders of this process in flight (submitted, not yet downloaded), and the most there were.
final class InFlightCounter: Sendable {
    private let state = Mutex((now: 0, peak: 0))
    func started() { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
    func ended() { state.withLock { $0.now = max(0, $0.now - 1) } }
    var now: Int { state.withLock { $0.now } }
    var peak: Int { state.withLock { $0.peak } }
}
