@testable import AvatarHTTP
import Foundation
import Testing

@Suite struct RetryPolicyTests {
    @Test func readsRetryAfterInSecondsOrAsADate() throws {
        let now = try #require(RetryPolicy.parseHTTPDate("Wed, 21 Oct 2015 07:28:00 GMT"))
        #expect(RetryPolicy.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.parseRetryAfter(" 0 ", now: now) == .seconds(0))
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .seconds(0))
        #expect(RetryPolicy.parseRetryAfter("-5", now: now) == nil)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    /// Segmind's rate limiter says when it resets (ISO 8601, UTC); Retry-After wins when both come.
    @Test func readsARateLimitResetInstant() throws {
        let now = try #require(RetryPolicy.parseHTTPDate("Wed, 21 Oct 2015 07:28:00 GMT"))
        #expect(RetryPolicy.parseRetryAfter("2015-10-21T07:28:45Z", now: now) == .seconds(45))
        #expect(RetryPolicy.parseRetryAfter("2015-10-21T07:28:45.500Z", now: now) == .milliseconds(45_500))
        let onlyReset: HTTPHeaders = ["x-rate-limit-reset-at-utc": "2015-10-21T07:29:00Z"]
        #expect(RetryPolicy.retryAfter(in: onlyReset) == "2015-10-21T07:29:00Z")
        #expect(RetryPolicy.retryInstant(RetryPolicy.retryAfter(in: onlyReset), now: now) == now.addingTimeInterval(60))
        let both: HTTPHeaders = ["Retry-After": "5", "x-rate-limit-reset-at-utc": "2015-10-21T07:29:00Z"]
        #expect(RetryPolicy.retryAfter(in: both) == "5")
    }

    @Test func delaysGrowExponentiallyWithJitterAndACeiling() {
        var policy = RetryPolicy.idempotent()
        policy.random = { 0 }
        #expect((1...4).map { policy.delay(beforeRetry: $0, retryAfter: nil) }
            == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)])
        policy.random = { 0.999_999 }
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil) <= .milliseconds(500))
        #expect(policy.delay(beforeRetry: 20, retryAfter: nil) <= policy.maxDelay)
    }

    @Test func retryAfterReplacesTheBackoffUpToTheCap() throws {
        let now = try #require(RetryPolicy.parseHTTPDate("Wed, 21 Oct 2015 07:28:00 GMT"))
        var policy = RetryPolicy.submit()
        policy.now = { now }
        #expect(policy.delay(beforeRetry: 1, retryAfter: "7") == .seconds(7))
        #expect(policy.delay(beforeRetry: 1, retryAfter: "Wed, 21 Oct 2015 07:28:05 GMT") == .seconds(5))
        #expect(policy.delay(beforeRetry: 1, retryAfter: "86400") == policy.maxRetryAfter)
    }

    @Test func whichStatusesAreRetried() {
        let idempotent = RetryPolicy.idempotent(), submit = RetryPolicy.submit()
        #expect([400, 401, 404, 422, 429, 500, 501, 502, 503, 504].filter(idempotent.retries(status:)) == [429, 500, 502, 503, 504])
        #expect([400, 401, 404, 422, 429, 500, 501, 502, 503, 504].filter(submit.retries(status:)) == [429, 503])
    }

    @Test func whichFailuresAreRetried() {
        func error(_ kind: HTTPError.Kind, sent: Bool) -> HTTPError {
            HTTPError(kind: kind, method: "POST", url: "http://h/", requestSent: sent)
        }
        let idempotent = RetryPolicy.idempotent(), submit = RetryPolicy.submit()
        #expect(submit.retries(error(.cannotConnect, sent: false)))
        #expect(!submit.retries(error(.timedOut, sent: true)))
        #expect(!submit.retries(error(.connectionLost, sent: true)))
        #expect(!submit.retries(error(.status(500), sent: true)))
        #expect(!submit.retries(error(.tls, sent: false)))
        #expect(!submit.retries(error(.cancelled, sent: false)))
        #expect(idempotent.retries(error(.timedOut, sent: true)))
        #expect(idempotent.retries(error(.connectionLost, sent: true)))
        #expect(idempotent.retries(error(.status(504), sent: true)))
        #expect(!idempotent.retries(error(.invalidResponse, sent: true)))
        #expect(!idempotent.retries(error(.file, sent: false)))
    }

    @Test func whatMayHaveBeenAccepted() {
        func error(_ kind: HTTPError.Kind, sent: Bool) -> HTTPError {
            HTTPError(kind: kind, method: "POST", url: "http://h/", requestSent: sent)
        }
        #expect(!error(.cannotConnect, sent: false).mayHaveBeenAccepted)
        #expect(error(.timedOut, sent: true).mayHaveBeenAccepted)
        #expect(error(.connectionLost, sent: true).mayHaveBeenAccepted)
        #expect(error(.cancelled, sent: true).mayHaveBeenAccepted)
        #expect(!error(.cancelled, sent: false).mayHaveBeenAccepted)
        #expect(error(.status(500), sent: true).mayHaveBeenAccepted)
        #expect(error(.status(502), sent: true).mayHaveBeenAccepted)
        #expect(error(.status(504), sent: true).mayHaveBeenAccepted)
        #expect(!error(.status(503), sent: true).mayHaveBeenAccepted)
        #expect(!error(.status(404), sent: true).mayHaveBeenAccepted)
    }

    @Test func readsContentRange() {
        #expect(ContentRange("bytes 100-299/300") == ContentRange(first: 100, last: 299, total: 300))
        #expect(ContentRange("bytes 0-9/*") == ContentRange(first: 0, last: 9, total: nil))
        #expect(ContentRange("bytes */300") == ContentRange(first: nil, last: nil, total: 300))
        #expect(ContentRange("bytes 10-5/300") == nil)
        #expect(ContentRange("bytes 0-300/300") == nil)
        #expect(ContentRange("items 0-1/2") == nil)
        #expect(ContentRange(nil) == nil)
    }
}
