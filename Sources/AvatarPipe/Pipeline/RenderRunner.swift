import AvatarHTTP
import AvatarMedia
import Foundation

/// One paid render, end to end, on the money rules of DESIGN.md, which live in the ledger:
///
/// 0. Before a submit can leave, a claim on (render key, endpoint) is committed with this
///    process as its owner; a process that finds a live claim follows it and never submits.
/// 1. The request id is written to the ledger (and job.json) the moment the answer arrives.
/// 2. A submit whose answer leaves open whether it was accepted stays `submitting`: nothing
///    submits it again but `--force-new`, which keeps the old claim as abandoned.
/// 3. A stored render of the same key on the same endpoint is reused, never paid again.
/// 4. The video is verified whole before it is stored; render.mp4 is a link of the stored
///    copy, put in place atomically, and never replaced.
/// 5. Waiting has a deadline; the download resumes with Range, only onto bytes of the same
///    request and the same file (its validator is kept in the ledger).
/// 6. The key goes only to the API's and the storage's origins (`SegmindClient`).
/// 7. A download that fails verification is set aside, never deleted; a local failure is
///    not the video's fault. Anything that fails after the answer arrived is exit 4.
public struct RenderRunner: Sendable {
    public var client: SegmindClient
    public var host: TempHost
    public var ledger: any Ledger
    public var poller = RenderPoller()
    public var observer: RunObserver?
    /// How often a follower looks at the ledger for the render it waits on.
    public var followInterval: Duration = .milliseconds(250)
    /// Asked before each submit, told after (a batch's rate limit, budget and breaker).
    public var gate: (any SubmitGate)?

    public init(client: SegmindClient, host: TempHost, ledger: any Ledger) {
        self.client = client
        self.host = host
        self.ledger = ledger
    }

    public static let renderFile = "render.mp4"

    var store: RenderStore { RenderStore(directory: ledger.storeDirectory) }
    var endpoint: String { client.endpoint.ledgerOrigin }

    // MARK: run

    /// Checks, prepares and renders. With `prepared` (a batch's dry run, in this process),
    /// the checks and the preparation are not done again.
    public func run(_ request: RunRequest, prepared: PreparedRender? = nil) async throws -> RunOutcome {
        let session = try await JobSession.enter(request.jobDirectory, ledger: ledger, observer: observer)
        return try await session.holding { try await run(request, prepared: prepared, in: session) }
    }

    /// The free part of a run, into the job directory: the checks (preflight.json and .png) and
    /// the prepared inputs. Throws `RunRefusal` when the checks block.
    public static func prepare(_ request: RunRequest, observer: RunObserver?) async throws -> PreparedRender {
        observer?.stage("check", "checking the inputs")
        let checked = await Preflight.run(request.preflight)
        try? FileManager.default.createDirectory(atPath: request.jobDirectory, withIntermediateDirectories: true)
        try writePreflight(checked, directory: request.jobDirectory)
        guard checked.report.exitCode == 0 else { throw RunRefusal(report: checked.report) }
        observer?.stage("prepare", "preparing the inputs")
        let prepared = try await Preparation.run(checked, options: request.preparation, jobDirectory: request.jobDirectory)
        return PreparedRender(report: checked.report, prepared: prepared, renderKey: renderKey(prepared, parameters: request.parameters))
    }

    private func run(_ request: RunRequest, prepared given: PreparedRender?, in session: JobSession) async throws -> RunOutcome {
        let directory = request.jobDirectory
        let ready: PreparedRender
        if let given { ready = given } else { ready = try await RenderRunner.prepare(request, observer: observer) }
        let report = ready.report, prepared = ready.prepared, key = ready.renderKey
        var journal = JobJournal(parameters: request.parameters, api: request.api.rawValue)
        journal.endpoint = endpoint
        journal.ledger = ledger.location
        journal.estimateUsd = report.cost.estimateUsd
        journal.script = request.parameters.script
        try recordInputs(report, in: &journal)
        try recordPrepared(prepared, in: &journal)
        journal.renderKey = key
        if let linked = try await linkedRender(of: session, key: key, forceNew: request.forceNew) {
            return try await keep(linked, journal: &journal, report: report, session: session)
        }
        try journal.record(.checked, "inputs checked: \(report.verdict.rawValue)", in: directory)
        try journal.record(.prepared, "inputs prepared", in: directory)
        try checkCap(request, estimate: journal.estimateUsd)

        let want = RenderWant(renderKey: key, endpoint: endpoint, api: request.api.rawValue, estimateUSD: journal.estimateUsd,
                              forceNew: request.forceNew)
        let job = RenderJob(request: request, prepared: prepared, session: session)
        var outcome = try await obtain(want, job: job, journal: &journal)
        outcome.report = report
        return outcome
    }

    /// Finds the render through the ledger and gets it: reused, followed, or owned and made.
    func obtain(_ want: RenderWant, job: RenderJob, journal: inout JobJournal) async throws -> RunOutcome {
        let directory = job.session.directory
        while true {
            switch try await ledger.acquire(want, owner: job.session.owner) {
            case .reuse(let render, let video):
                try await job.session.link(to: render)
                observer?.stage("cache", "an identical render was paid for already (render \(render.id)); reusing it (no charge)")
                return try await deliver(video, of: render, journal: &journal, directory: directory, reused: true,
                                         note: "reused render \(render.id) of key \(want.renderKey.prefix(16)) (nothing paid)")
            case .follow(let render):
                try await job.session.link(to: render)
                guard let (done, video) = try await follow(render, journal: &journal, directory: directory) else { continue }
                return try await deliver(video, of: done, journal: &journal, directory: directory, reused: true,
                                         note: "took render \(done.id), made by another process (one submission for both)")
            case .maybeSubmitted(let render):
                try await job.session.link(to: render)
                try mirror(render, into: &journal, stage: .submitting, "a submit of these inputs never got its answer", directory: directory)
                throw RenderError.maybeSubmitted(detail: "\(render.ownerName) was submitting render \(render.id) of these inputs "
                                                 + "\(render.submitStartedAt.map { "at \(Format.timestamp($0)) " } ?? "")and its answer never arrived",
                                                 jobDirectory: directory)
            case .ended(let render):
                throw RenderError.refused("render \(render.id) ended as \(render.state.rawValue)")
            case .owned(let claim):
                try await job.session.link(to: claim.render)
                do {
                    return try await make(claim, job: job, journal: &journal)
                } catch LedgerError.leaseLost(let id, let holder) {
                    observer?.stage("follow", "render \(id) was taken over by \(holder ?? "another process"); following it")
                    continue
                }
            }
        }
    }

    /// Submits a claimed render (or finishes one taken over after its submit), then delivers it.
    func make(_ claim: RenderClaim, job: RenderJob, journal: inout JobJournal) async throws -> RunOutcome {
        let directory = job.session.directory
        var claim = claim
        var body: String?
        if claim.render.state == .claimed {
            try mirror(claim.render, into: &journal, stage: .claimed, "claimed render \(claim.render.id) in the ledger", directory: directory)
            (claim, body) = try await submit(claim, job: job, journal: &journal)
        } else {
            observer?.stage("resume", "render \(claim.render.id) of these inputs was submitted by a process that ended; finishing it")
        }
        let video = try await finish(&claim, body: body, journal: &journal, directory: directory)
        await removeHosted(&journal, directory: directory)
        return try await deliver(video, of: claim.render, journal: &journal, directory: directory, reused: false,
                                 note: "render.mp4 downloaded and verified")
    }

    // MARK: resume

    /// Continues the render of a job directory from the ledger. Never submits.
    public func resume(_ directory: String) async throws -> RunOutcome {
        let session = try await JobSession.enter(directory, ledger: ledger, observer: observer)
        return try await session.holding { try await resume(in: session) }
    }

    private func resume(in session: JobSession) async throws -> RunOutcome {
        let directory = session.directory
        var journal = try loadJournal(directory)
        guard let job = try await ledger.job(session.place), let renderID = job.renderID else {
            throw RenderError.refused(notInLedger(directory, journal: journal))
        }
        while true {
            guard let render = try await ledger.render(id: renderID) else {
                throw RenderError.refused("the ledger \(ledger.location) has no render \(renderID) (named by \(directory))")
            }
            try requireSameEndpoint(render, directory: directory)
            switch try await ledger.acquire(renderID: renderID, owner: session.owner) {
            case .reuse(let render, let video):
                observer?.stage("resume", "\(directory) is rendered (render \(render.id))")
                return try await deliver(video, of: render, journal: &journal, directory: directory, reused: false,
                                         note: "render.mp4 in place")
            case .follow(let render):
                guard let (done, video) = try await follow(render, journal: &journal, directory: directory) else { continue }
                return try await deliver(video, of: done, journal: &journal, directory: directory, reused: false,
                                         note: "render \(done.id) finished by another process")
            case .maybeSubmitted(let render):
                throw RenderError.maybeSubmitted(detail: "the ledger shows a submit of render \(render.id) whose answer never arrived "
                                                 + "(started \(render.submitStartedAt.map(Format.timestamp) ?? "at an unknown time"))",
                                                 jobDirectory: directory)
            case .ended(let render):
                throw RenderError.refused(ended(render, directory: directory))
            case .owned(var claim):
                do {
                    let video = try await finish(&claim, body: nil, journal: &journal, directory: directory)
                    await removeHosted(&journal, directory: directory)
                    return try await deliver(video, of: claim.render, journal: &journal, directory: directory, reused: false,
                                             note: "render.mp4 downloaded and verified")
                } catch LedgerError.leaseLost {
                    continue
                }
            }
        }
    }

    /// The render a job directory's ledger row names, if any: what `resume` would continue.
    public static func render(of directory: String, in ledger: any Ledger) async throws -> LedgerRender? {
        guard let job = try await ledger.job(try JobPlace.of(directory, create: false)), let id = job.renderID else { return nil }
        return try await ledger.render(id: id)
    }

    /// `resume` talks to the endpoint the render was submitted to, and only with that
    /// endpoint's key: the key of one service never meets another.
    func requireSameEndpoint(_ render: LedgerRender, directory: String) throws {
        guard render.endpoint != endpoint else { return }
        if render.endpoint == ServiceEndpoint.builtInSandbox {
            throw RenderError.refused("the render of \(directory) was made by the built-in sandbox of `run --sandbox`, which ended "
                                      + "with that process; run the same command again (sandbox renders are free)")
        }
        throw RenderError.refused("the render of \(directory) was submitted to \(render.endpoint), not to \(endpoint); resume it "
                                  + "against the same service and its key (--api-base \(render.endpoint))")
    }

    func ended(_ render: LedgerRender, directory: String) -> String {
        switch render.state {
        case .claimed:
            return "nothing was submitted from \(directory) (the claim was never sent); start it with `avatarpipe run` (resume never submits)"
        case .abandoned where render.endpoint == ServiceEndpoint.builtInSandbox:
            return "the render of \(directory) was made by the built-in sandbox of `run --sandbox`, which ended with that process; "
                + "run the same command again (sandbox renders are free)"
        default:
            return "the render of \(directory) ended as \(render.state.rawValue)" + (render.error.map { ": \($0)" } ?? "")
                + "; nothing to resume"
        }
    }

    func notInLedger(_ directory: String, journal: JobJournal?) -> String {
        if let named = journal?.ledger, named != ledger.location {
            return "\(directory) is not in the ledger \(ledger.location); its job.json names the ledger \(named): give --ledger \(named)"
        }
        if journal?.submission != nil {
            return "\(directory) is not in the ledger \(ledger.location), though its job.json names request "
                + "\(journal?.submission?.requestID ?? "?"): it was made by an avatarpipe without a ledger or with another one"
        }
        return "nothing was submitted from \(directory); start it with `avatarpipe run` (resume never submits)"
    }

    func loadJournal(_ directory: String) throws -> JobJournal {
        guard JobJournal.exists(in: directory) else {
            throw RenderError.refused("\(directory) has no job.json: it is not an avatarpipe job directory")
        }
        return try JobJournal.load(from: directory)
    }
}

/// Whether a claimed render may be submitted now, for a batch: it waits out a rate limit,
/// reserves the budget, or refuses (a tripped circuit breaker, the budget spent). Throwing
/// gives the claim back: nothing was sent. It hears how every submit went.
public protocol SubmitGate: Sendable {
    func beforeSubmit(_ claim: RenderClaim, jobDirectory: String) async throws
    func submitted(_ claim: RenderClaim, jobDirectory: String, outcome: SubmitOutcome) async
    /// The service is done with the render (what is left is local: download, verify).
    func serviceFinished(_ claim: RenderClaim) async
}

public enum SubmitOutcome: Sendable {
    case accepted
    /// Not accepted: nothing was started.
    case refused(RenderError)
    /// Perhaps accepted: the claim stays `submitting`.
    case unknown(RenderError)
}

/// The checks' report, the prepared inputs and the render key: what a render starts from.
public struct PreparedRender: Sendable, Codable {
    public var report: PreflightReport
    public var prepared: PreparationResult
    public var renderKey: String
}

/// What a run that owns a claim needs to submit it.
struct RenderJob: Sendable {
    var request: RunRequest
    var prepared: PreparationResult
    var session: JobSession
}

/// The checks blocked the run (or could not read an input): nothing was paid.
public struct RunRefusal: Error, CustomStringConvertible, Sendable {
    public var report: PreflightReport
    public var description: String { "the checks \(report.exitCode == 2 ? "could not read an input" : "block this render"); nothing was submitted" }
}
