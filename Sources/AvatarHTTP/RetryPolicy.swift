import Foundation

/// When to send a request again, and how long to wait first.
///
/// Nothing is retried unless a policy says so. Two modes:
/// - `.idempotent`, for requests that do the same thing however often they are sent (GET,
///   an upload to a fixed key): retried after connection failures, timeouts, lost
///   connections and the statuses 429, 500, 502, 503, 504.
/// - `.submit`, for a request that starts paid work: retried only when the answer proves the
///   work was not started (429, 503) or the failure proves nothing was sent. A 500, 502 or
///   504 throws an `HTTPError` of kind `.status` whose `mayHaveBeenAccepted` is true, as do
///   a timeout or a lost connection once the request was sent.
///
/// The delay grows exponentially with jitter ("equal jitter": half fixed, half random)
/// and a `Retry-After` from the server replaces it, capped at `maxRetryAfter`. `random`,
/// `sleep` and `now` can be replaced, so that tests see the delays without waiting them.
public struct RetryPolicy: Sendable {
    public enum Mode: Sendable, Equatable {
        case idempotent
        case submit
    }

    public var mode: Mode
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var maxRetryAfter: Duration
    /// A number in 0..<1.
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Duration) async throws -> Void
    public var now: @Sendable () -> Date

    public init(mode: Mode, maxAttempts: Int, initialDelay: Duration = .milliseconds(500),
                maxDelay: Duration = .seconds(20), maxRetryAfter: Duration = .seconds(60),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.mode = mode
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
        self.random = random
        self.sleep = sleep
        self.now = now
    }

    /// One attempt; every answer is returned as it is.
    public static let never = RetryPolicy(mode: .idempotent, maxAttempts: 1)

    public static func idempotent(maxAttempts: Int = 4) -> RetryPolicy {
        RetryPolicy(mode: .idempotent, maxAttempts: maxAttempts)
    }

    public static func submit(maxAttempts: Int = 4) -> RetryPolicy {
        RetryPolicy(mode: .submit, maxAttempts: maxAttempts)
    }

    /// Whether an answer with this status is worth another attempt.
    public func retries(status: Int) -> Bool {
        switch mode {
        case .idempotent: [429, 500, 502, 503, 504].contains(status)
        case .submit: status == 429 || status == 503
        }
    }

    /// Whether a failed attempt is worth another.
    public func retries(_ error: HTTPError) -> Bool {
        switch error.kind {
        case .status(let status):
            return retries(status: status)
        case .cannotConnect:
            return true
        case .timedOut, .connectionLost:
            return mode == .idempotent || !error.requestSent
        default:
            return false
        }
    }

    /// The wait before retry number `retry` (1 for the first), or what the server asked for.
    public func delay(beforeRetry retry: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let asked = RetryPolicy.parseRetryAfter(retryAfter, now: now()) {
            return min(asked, maxRetryAfter)
        }
        let doublings = min(max(retry - 1, 0), 30)
        let ceiling = min(initialDelay * (1 << doublings), maxDelay)
        let fraction = min(max(random(), 0), 1)
        return ceiling * (0.5 + 0.5 * fraction)
    }

    /// The header that says when to come back: `Retry-After`, else a rate limiter's reset
    /// instant (`x-rate-limit-reset-at-utc`, as Segmind sends it, or `x-ratelimit-reset`).
    public static func retryAfter(in headers: HTTPHeaders) -> String? {
        headers["Retry-After"] ?? headers["x-rate-limit-reset-at-utc"] ?? headers["x-ratelimit-reset"]
    }

    /// When to come back, as an instant: `value` as `parseRetryAfter` reads it.
    public static func retryInstant(_ value: String?, now: Date = Date()) -> Date? {
        guard let value, let wait = parseRetryAfter(value, now: now) else { return nil }
        return now.addingTimeInterval(Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
    }

    /// `Retry-After` as seconds ("120") or as an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"); a
    /// reset instant in ISO 8601 ("2026-12-05T09:00:00Z").
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = parseHTTPDate(text) ?? parseISO8601(text) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func parseISO8601(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The IMF-fixdate form, the only one a server may send today (RFC 9110, 5.6.7).
    static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", parts[0].hasSuffix(","),
              let day = Int(parts[1]), let year = Int(parts[3]),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                .firstIndex(of: String(parts[2]))
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        let components = DateComponents(year: year, month: month + 1, day: day,
                                        hour: clock[0], minute: clock[1], second: clock[2])
        return calendar.date(from: components)
    }
}

/// One attempt that was given up and retried.
public struct RetryRecord: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case status(Int)
        case failure(HTTPError.Kind)

        public var description: String {
            switch self {
            case .status(let status): "status \(status)"
            case .failure(let kind): kind.description
            }
        }
    }

    /// The number of the attempt that failed, from 1.
    public var attempt: Int
    public var reason: Reason
    /// How long the client waited before the next attempt.
    public var delay: Duration

    public var description: String {
        "attempt \(attempt): \(reason), retried after \(delay)"
    }
}
