import Foundation

/// Waits for a submitted render: polls the status URL on a cadence that starts at about
/// 2 s and backs off to about 15 s, stops on a terminal state or 404, and gives up at a
/// deadline (the render then stays submitted: `resume` continues it). Transient failures
/// of a poll are tolerated a few times in a row.
public struct RenderPoller: Sendable {
    public var initialInterval: Duration = .seconds(2)
    public var maxInterval: Duration = .seconds(15)
    public var growth = 1.5
    public var deadline: Duration = .seconds(20 * 60)
    public var toleratedFailures = 8
    /// Injectable for tests: how to wait between polls.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    public init() {}

    public struct Update: Sendable {
        public var state: ServiceState
        public var elapsed: Duration
        public var polls: Int
    }

    /// Polls until a terminal state; calls `update` after every poll. The deadline bounds the
    /// whole wait, retries and their Retry-After pauses included: when it comes, whatever is
    /// in progress is cancelled.
    public func wait(for submission: Submission, client: SegmindClient, jobDirectory: String,
                     update: @escaping @Sendable (Update) -> Void) async throws -> ServiceState {
        let deadline = self.deadline
        let outcome = try await withThrowingTaskGroup(of: ServiceState?.self) { group in
            group.addTask { try await self.poll(submission, client: client, jobDirectory: jobDirectory, update: update) }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let outcome else {
            throw RenderError.stillRendering(requestID: submission.requestID, jobDirectory: jobDirectory,
                                             reason: "still not finished after \(Format.minutes(deadline)) of waiting")
        }
        return outcome
    }

    private func poll(_ submission: Submission, client: SegmindClient, jobDirectory: String,
                      update: @Sendable (Update) -> Void) async throws -> ServiceState {
        let clock = ContinuousClock()
        let start = clock.now
        var interval = initialInterval
        var failures = 0
        var polls = 0
        while true {
            try Task.checkCancellation()
            do {
                let state = try await client.state(of: submission)
                polls += 1
                failures = 0
                update(Update(state: state, elapsed: clock.now - start, polls: polls))
                if state.isTerminal { return state }
            } catch let error as RenderError {
                if case .foreignURL = error { throw error }
                failures += 1
                if failures > toleratedFailures {
                    throw RenderError.stillRendering(requestID: submission.requestID, jobDirectory: jobDirectory,
                                                     reason: "the status could not be read \(failures) times in a row: \(error)")
                }
            }
            try await sleep(interval)
            // Back off, but never to more than a twentieth of the time waited so far: a render
            // is seen finished at most about 5% after it is.
            let waited = clock.now - start
            interval = max(initialInterval, min(maxInterval, interval * growth, waited / 20))
        }
    }
}
