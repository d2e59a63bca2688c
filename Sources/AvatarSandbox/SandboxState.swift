import AvatarPipe
import Foundation

/// Everything a sandbox remembers — balance, jobs, uploads, armed faults, its clock — in
/// one actor, so concurrent requests and job tasks see one consistent account.
actor SandboxState {
    struct Job: Sendable {
        let id: String
        let endpoint: String
        /// Real time; the sandbox clock adds `clockOffset` when it judges expiry.
        let submittedAt: Date
        let body: JSONValue
        let parameters: AvatarParameters
        let directory: String
        let imagePath: String
        let audioPath: String?
        let outputURL: String
        let outputName: String
        var status = SandboxJobStatus.queued
        var error: String?
        var history: [SandboxLedger.StatusChange]
        var processingAt: Date?
        var finishedAt: Date?
        var outputPath: String?
        var charged: Double?
        /// Set at acceptance by the `drop_submits` fault: the submit gets no answer.
        var connectionDropped = false
        /// Set at acceptance by the `fail_jobs` fault.
        var forcedFailure: String?
    }

    struct StoredFile: Sendable {
        var path: String
        var contentType: String
        var modified: Date
    }

    enum Lookup: Sendable {
        case unknown
        case expired(at: Date)
        case found(Job, balance: Double)
    }

    enum Acceptance: Sendable {
        case accepted(Job)
        case insufficient(available: Double, needed: Double)
    }

    enum RateDecision: Sendable {
        case allowed
        case limited(retryAfter: Int, resetAt: Date)
    }

    let key: String
    private(set) var balance: Double
    private(set) var price: Double
    private(set) var latency: Double
    private(set) var resultLifetime: Double
    private(set) var requestsPerMinute: Int?
    private(set) var rateLimitScope: SandboxConfiguration.RateLimitScope
    private(set) var outputShape: SandboxConfiguration.OutputShape
    private(set) var v1Answer: SandboxConfiguration.V1Answer
    private(set) var acceptsWAVUploads: Bool
    private(set) var holdDownloadsAfter = 65536
    private(set) var foreignStatusURL: String?
    private var clockOffset: TimeInterval = 0
    private var armed: SandboxControl
    private var requestTimes: [Date] = []
    private var jobs: [String: Job] = [:]
    private var order: [String] = []
    private var rejected: [SandboxLedger.Rejection] = []
    private var charges: [SandboxLedger.Charge] = []
    private var uploads: [SandboxLedger.Upload] = []
    private var files: [String: StoredFile] = [:]

    init(configuration: SandboxConfiguration) {
        key = configuration.key
        balance = SandboxState.money(configuration.balance)
        price = SandboxState.money(configuration.price)
        latency = max(0, configuration.latency)
        resultLifetime = max(0, configuration.resultLifetime)
        requestsPerMinute = configuration.requestsPerMinute.flatMap { $0 > 0 ? $0 : nil }
        rateLimitScope = configuration.rateLimitScope
        outputShape = configuration.outputShape
        v1Answer = configuration.v1Answer
        acceptsWAVUploads = configuration.acceptsWAVUploads
        armed = SandboxState.arming(configuration.faults, over: SandboxControl())
    }

    /// Credits to the micro-credit, so sums print as they should (100 - 2.216 = 97.784).
    static func money(_ value: Double) -> Double {
        (value * 1_000_000).rounded() / 1_000_000
    }

    /// The sandbox's clock: real time plus every `advance_clock`.
    func now() -> Date { Date().addingTimeInterval(clockOffset) }

    // MARK: - Faults

    func takeSubmitFailure() -> SandboxControl.FailRequests? {
        take(&armed.failSubmits)
    }

    func takePollFailure() -> SandboxControl.FailRequests? {
        take(&armed.failPolls)
    }

    func takeTruncation() -> Int? {
        guard var truncation = armed.truncateDownloads, truncation.count > 0 else { return nil }
        truncation.count -= 1
        armed.truncateDownloads = truncation.count > 0 ? truncation : nil
        return max(0, truncation.afterBytes)
    }

    func takeBadOutput() -> SandboxControl.BadOutputs.Kind? {
        guard var bad = armed.badOutputs, bad.count > 0 else { return nil }
        bad.count -= 1
        armed.badOutputs = bad.count > 0 ? bad : nil
        return bad.kind
    }

    private func take(_ fault: inout SandboxControl.FailRequests?) -> SandboxControl.FailRequests? {
        guard var armedFault = fault, armedFault.count > 0 else { return nil }
        armedFault.count -= 1
        fault = armedFault.count > 0 ? armedFault : nil
        return armedFault
    }

    // MARK: - Rate limit

    /// Counts the request against the per-minute limit, or says when to come back.
    func admit(isSubmit: Bool) -> RateDecision {
        guard let limit = requestsPerMinute, isSubmit || rateLimitScope == .all else { return .allowed }
        let now = self.now()
        requestTimes.removeAll { now.timeIntervalSince($0) >= 60 }
        if requestTimes.count >= limit, let oldest = requestTimes.first {
            let reset = oldest.addingTimeInterval(60)
            return .limited(retryAfter: max(1, Int(reset.timeIntervalSince(now).rounded(.up))), resetAt: reset)
        }
        requestTimes.append(now)
        return .allowed
    }

    // MARK: - Jobs

    /// Records a job if the balance covers it, counting the price of every job still
    /// running as spoken for (charges happen at completion).
    func accept(id: String, endpoint: String, body: JSONValue, parameters: AvatarParameters, directory: String,
                imagePath: String, audioPath: String?, outputURL: String) -> Acceptance {
        let pending = jobs.values.filter { !$0.status.isTerminal && $0.charged == nil }.count
        let available = SandboxState.money(balance - Double(pending) * price)
        guard available >= price else { return .insufficient(available: available, needed: price) }
        let now = Date()
        var job = Job(id: id, endpoint: endpoint, submittedAt: now, body: body.redacting(key), parameters: parameters,
                      directory: directory, imagePath: imagePath, audioPath: audioPath, outputURL: outputURL,
                      outputName: "\(id).mp4", history: [.init(status: .queued, at: now)])
        if var failure = armed.failJobs, failure.count > 0 {
            job.forcedFailure = failure.reason
            failure.count -= 1
            armed.failJobs = failure.count > 0 ? failure : nil
        }
        if let drops = armed.dropSubmits, drops > 0 {
            job.connectionDropped = true
            armed.dropSubmits = drops > 1 ? drops - 1 : nil
        }
        jobs[id] = job
        order.append(id)
        return .accepted(job)
    }

    func reject(endpoint: String, status: Int, error: String) {
        rejected.append(.init(at: Date(), endpoint: endpoint, status: status, error: error.replacingOccurrences(of: key, with: "[redacted]")))
    }

    /// QUEUED → PROCESSING; nil if the job is gone or already past it.
    func beginProcessing(_ id: String) -> Job? {
        guard var job = jobs[id], job.status == .queued else { return nil }
        let now = Date()
        job.status = .processing
        job.processingAt = now
        job.history.append(.init(status: .processing, at: now))
        jobs[id] = job
        return job
    }

    /// PROCESSING → COMPLETED, and the charge.
    func complete(_ id: String, outputPath: String) -> Job? {
        guard var job = jobs[id], !job.status.isTerminal else { return nil }
        let now = Date()
        job.status = .completed
        job.finishedAt = now
        job.outputPath = outputPath
        job.history.append(.init(status: .completed, at: now))
        balance = SandboxState.money(balance - price)
        job.charged = price
        charges.append(.init(requestID: id, at: now, amount: price, balanceAfter: balance))
        jobs[id] = job
        return job
    }

    func fail(_ id: String, reason: String) -> Job? {
        guard var job = jobs[id], !job.status.isTerminal else { return nil }
        let now = Date()
        if job.processingAt == nil { job.processingAt = now }
        job.status = .failed
        job.error = reason
        job.finishedAt = now
        job.history.append(.init(status: .failed, at: now))
        jobs[id] = job
        return job
    }

    func lookup(_ id: String) -> Lookup {
        guard let job = jobs[id] else { return .unknown }
        let expiry = job.submittedAt.addingTimeInterval(resultLifetime)
        if now() >= expiry { return .expired(at: expiry) }
        return .found(job, balance: balance)
    }

    /// The job whose video is `name` (`<request_id>.mp4`).
    func lookupOutput(_ name: String) -> Lookup {
        guard name.hasSuffix(".mp4") else { return .unknown }
        let lookup = lookup(String(name.dropLast(4)))
        if case .found(let job, _) = lookup, job.status != .completed { return .unknown }
        return lookup
    }

    // MARK: - Uploads

    func addUpload(name: String, path: String, url: String, contentType: String, bytes: Int) {
        let now = Date()
        files[name] = StoredFile(path: path, contentType: contentType, modified: now)
        uploads.append(.init(url: url, contentType: contentType, bytes: bytes, at: now))
    }

    func upload(_ name: String) -> StoredFile? { files[name] }

    // MARK: - Reports and control

    func ledger() -> SandboxLedger {
        let now = self.now()
        let submissions = order.compactMap { jobs[$0] }.map { job in
            SandboxLedger.Submission(requestID: job.id, endpoint: job.endpoint, submittedAt: job.submittedAt, body: job.body,
                                     status: job.status, error: job.error, history: job.history,
                                     outputURL: job.status == .completed ? job.outputURL : nil, charged: job.charged,
                                     connectionDropped: job.connectionDropped,
                                     expired: now >= job.submittedAt.addingTimeInterval(resultLifetime))
        }
        return SandboxLedger(balance: balance, submissions: submissions, rejected: rejected, charges: charges, uploads: uploads)
    }

    /// The faults of `control` armed over those of `armed`; a count of 0 disarms one.
    static func arming(_ control: SandboxControl, over armed: SandboxControl) -> SandboxControl {
        var armed = control.clearFaults == true ? SandboxControl() : armed
        if let fault = control.failSubmits { armed.failSubmits = fault.count > 0 ? fault : nil }
        if let count = control.dropSubmits { armed.dropSubmits = count > 0 ? count : nil }
        if let fault = control.failJobs { armed.failJobs = fault.count > 0 ? fault : nil }
        if let fault = control.failPolls { armed.failPolls = fault.count > 0 ? fault : nil }
        if let fault = control.truncateDownloads { armed.truncateDownloads = fault.count > 0 ? fault : nil }
        if let fault = control.badOutputs { armed.badOutputs = fault.count > 0 ? fault : nil }
        return armed
    }

    func apply(_ control: SandboxControl) -> SandboxSettings {
        armed = SandboxState.arming(control, over: armed)
        if let value = control.balance { balance = SandboxState.money(value) }
        if let value = control.price { price = SandboxState.money(max(0, value)) }
        if let value = control.requestsPerMinute {
            requestsPerMinute = value > 0 ? value : nil
            requestTimes.removeAll()
        }
        if let value = control.rateLimitScope { rateLimitScope = value }
        if let value = control.latency { latency = max(0, value) }
        if let value = control.resultLifetime { resultLifetime = max(0, value) }
        if let value = control.advanceClock, value > 0 { clockOffset += value }
        if let value = control.outputShape { outputShape = value }
        if let value = control.v1Answer { v1Answer = value }
        if let value = control.acceptsWAVUploads { acceptsWAVUploads = value }
        if let value = control.holdDownloadsAfter { holdDownloadsAfter = max(0, value) }
        if let value = control.foreignStatusURL { foreignStatusURL = value.isEmpty ? nil : value }
        return settings()
    }

    func settings() -> SandboxSettings {
        SandboxSettings(balance: balance, price: price, latency: latency, resultLifetime: resultLifetime,
                        requestsPerMinute: requestsPerMinute, rateLimitScope: rateLimitScope, outputShape: outputShape,
                        v1Answer: v1Answer, acceptsWAVUploads: acceptsWAVUploads, now: now(), clockOffset: clockOffset,
                        armed: armed)
    }
}
