@testable import AvatarPipe
import Foundation
import Testing
import TestSupport

/// The two backends the same ledger tests run on.
enum LedgerBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// The ledger on disk (a SQLite file, and a private PostgreSQL cluster), with owners alive and
/// dead: who may submit, who follows, what is taken over, what is never dropped.
@Suite struct LedgerTests {
    let state = TemporaryDirectory("avatarpipe-ledger")
    let endpoint = "http://127.0.0.1:8800"

    /// Leases of ten minutes: these tests are about who holds what, not about the clock (a
    /// loaded machine may keep a test waiting longer than a 30 s lease).
    func ledger(_ backend: LedgerBackend = .sqlite) async throws -> any Ledger {
        switch backend {
        case .sqlite:
            return try SQLiteLedger(path: state.file("ledger.sqlite"), lease: .seconds(600))
        case .postgres:
            let cluster = try PostgresCluster.shared.get()
            return try await PostgresLedger(url: try cluster.database(), storeDirectory: state.path, lease: .seconds(600))
        }
    }

    func want(_ key: String = "key-1", endpoint: String? = nil, forceNew: Bool = false) -> RenderWant {
        RenderWant(renderKey: key, endpoint: endpoint ?? self.endpoint, api: "v2", estimateUSD: 2.216, forceNew: forceNew)
    }

    /// An owner on this machine whose process has ended: this pid, but an earlier start (the
    /// process that had the pid before this one).
    static let dead: LedgerOwner = {
        var owner = LedgerOwner.make()
        owner.startTicks -= 1
        owner.session = "dead"
        return owner
    }()

    func owned(_ acquisition: Acquisition) throws -> RenderClaim {
        guard case .owned(let claim) = acquisition else { throw SetupFailure(description: "expected a claim, got \(acquisition)") }
        return claim
    }

    func submission(_ id: String) -> Submission {
        Submission(requestID: id, statusURL: "\(endpoint)/v2/requests/\(id)/status", responseURL: "\(endpoint)/v2/requests/\(id)",
                   pollURL: nil, submittedAt: Date())
    }

    @Test(arguments: LedgerBackend.allCases)
    func eightOwnersAtOnceMakeOneClaimAndSevenFollowers(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    switch try? await ledger.acquire(want(), owner: .make()) {
                    case .owned: return "owned"
                    case .follow: return "follow"
                    default: return "other"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "owned" }.count == 1)
        #expect(outcomes.filter { $0 == "follow" }.count == 7)
    }

    @Test(arguments: LedgerBackend.allCases)
    func aDeadOwnersClaimIsTakenOverAndItsWritesAreFencedOff(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        let old = try owned(try await ledger.acquire(want(), owner: Self.dead))
        let new = try owned(try await ledger.acquire(want(), owner: .make()))
        #expect(new.render.id == old.render.id)
        #expect(new.render.token == old.render.token + 1)
        await #expect(throws: LedgerError.self) { _ = try await ledger.update(old, .submitting) }
        let submitting = try await ledger.update(new, .submitting)
        #expect(submitting.render.state == .submitting)
    }

    @Test(arguments: LedgerBackend.allCases)
    func aDeadSubmitIsMaybeSubmittedUntilForceNewAbandonsIt(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        let old = try await ledger.update(try owned(try await ledger.acquire(want(), owner: Self.dead)), .submitting)
        guard case .maybeSubmitted(let render) = try await ledger.acquire(want(), owner: .make()) else {
            Issue.record("a submit whose owner died must not be claimed again")
            return
        }
        #expect(render.id == old.render.id)
        let forced = try owned(try await ledger.acquire(want(forceNew: true), owner: .make()))
        #expect(forced.render.id != old.render.id)
        #expect(try await ledger.render(id: old.render.id)?.state == .abandoned)
        #expect(try await ledger.events(renderID: old.render.id).contains { $0.kind == "abandoned" })
        // Its answer turns up after all: the request id is kept, never dropped.
        let late = try await ledger.recordSubmission(old, submission("late"))
        #expect(late.render.state == .submitted && late.render.requestID == "late")
    }

    @Test(arguments: LedgerBackend.allCases)
    func aRenderedKeyIsReusedOnItsEndpointOnly(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        var claim = try owned(try await ledger.acquire(want(), owner: .make()))
        claim = try await ledger.update(claim, .submitting)
        claim = try await ledger.recordSubmission(claim, submission("r1"))
        let video = LedgerVideo(sha256: "aa", path: "renders/aa.mp4", bytes: 10, duration: 2, width: 1280, height: 720,
                                videoCodec: "h264", audioCodec: "aac", verifiedAt: Date())
        _ = try await ledger.recordRendered(claim, video: video,
                                            charge: LedgerCharge(renderID: claim.render.id, at: Date(), amount: 2.216, measured: true,
                                                                 creditsBefore: 10, creditsAfter: 7.784))
        guard case .reuse(_, let reused) = try await ledger.acquire(want(), owner: .make()) else {
            Issue.record("a rendered key must be reused")
            return
        }
        #expect(reused.sha256 == "aa")
        let elsewhere = try owned(try await ledger.acquire(want(endpoint: "https://api.segmind.com"), owner: .make()))
        #expect(elsewhere.render.id != claim.render.id)
        let again = try owned(try await ledger.acquire(want(forceNew: true), owner: .make()))
        #expect(again.render.id != claim.render.id)
        let spend = try await ledger.spend(since: Date().addingTimeInterval(-60))
        #expect(spend.renders == 1 && abs(spend.charged - 2.216) < 1e-9)
    }

    @Test(arguments: LedgerBackend.allCases)
    func aSubmittedRenderOfADeadOwnerIsFinishedNotResubmitted(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        var claim = try owned(try await ledger.acquire(want(), owner: Self.dead))
        claim = try await ledger.update(claim, .submitting)
        claim = try await ledger.recordSubmission(claim, submission("s1"))
        let taker = LedgerOwner.make()
        let taken = try owned(try await ledger.acquire(want(), owner: taker))
        #expect(taken.render.id == claim.render.id && taken.render.state == .submitted)
        guard case .follow = try await ledger.acquire(renderID: claim.render.id, owner: .make()) else {
            Issue.record("a live owner is followed, not taken over")
            return
        }
        try await ledger.release(owner: taker)
        guard case .owned(let resumed) = try await ledger.acquire(renderID: claim.render.id, owner: .make()) else {
            Issue.record("resume takes over a submitted render whose owner let go")
            return
        }
        #expect(resumed.render.requestID == "s1")
    }

    @Test(arguments: LedgerBackend.allCases)
    func theBuiltInSandboxsRendersEndWithTheirProcess(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        let sandbox = want(endpoint: ServiceEndpoint.builtInSandbox)
        var claim = try owned(try await ledger.acquire(sandbox, owner: Self.dead))
        claim = try await ledger.update(claim, .submitting)
        claim = try await ledger.recordSubmission(claim, submission("gone"))
        let fresh = try owned(try await ledger.acquire(sandbox, owner: .make()))
        #expect(fresh.render.id != claim.render.id)
        #expect(try await ledger.render(id: claim.render.id)?.state == .abandoned)
    }

    @Test(arguments: LedgerBackend.allCases)
    func aJobDirectoryIsOneProcesssAtATime(backend: LedgerBackend) async throws {
        let ledger = try await ledger(backend)
        defer { state.remove() }
        let place = JobPlace(path: state.file("job"))
        let first = LedgerOwner.make(), second = LedgerOwner.make()
        guard case .entered = try await ledger.enterJob(place, owner: first) else { Issue.record("first"); return }
        guard case .busy = try await ledger.enterJob(place, owner: second) else { Issue.record("second must wait"); return }
        try await ledger.release(owner: first)
        guard case .entered = try await ledger.enterJob(place, owner: second) else { Issue.record("free again"); return }
        try await ledger.release(owner: second)
        guard case .entered = try await ledger.enterJob(place, owner: Self.dead) else { Issue.record("free for anyone"); return }
        // A dead holder does not block.
        guard case .entered = try await ledger.enterJob(place, owner: second) else { Issue.record("dead holder"); return }
    }

    @Test func aNewerSchemaIsRefusedAndReopeningIsHarmless() async throws {
        defer { state.remove() }
        _ = try await ledger()
        _ = try await ledger()
        let bump = await Shell.run("/usr/bin/python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=99'); c.commit()",
                                                  state.file("ledger.sqlite")])
        #expect(bump.status == 0, "\(bump.stderr)")
        #expect(throws: LedgerError.self) { _ = try SQLiteLedger(path: state.file("ledger.sqlite")) }
    }
}

/// The stored copy reaches a job directory as a hard link, or as a copy on another disk.
@Suite struct RenderStoreTests {
    @Test func aJobOnAnotherFilesystemGetsACopy() throws {
        let store = TemporaryDirectory("avatarpipe-store")
        defer { store.remove() }
        let near = TemporaryDirectory("avatarpipe-near")
        defer { near.remove() }
        let data = Data((0..<4096).map { UInt8($0 % 251) })
        let download = store.file("download.mp4")
        try data.write(to: URL(fileURLWithPath: download))
        let sha = try FileHash.sha256(ofFile: download)
        let renderStore = RenderStore(directory: store.path)
        let stored = try renderStore.adopt(download, sha256: sha)
        let video = LedgerVideo(sha256: sha, path: stored, bytes: 4096, duration: nil, width: nil, height: nil, videoCodec: nil,
                                audioCodec: nil, verifiedAt: Date())
        try renderStore.link(video, into: near.path)
        #expect(links(near.file("render.mp4")) == 2)
        // /dev/shm is a tmpfs: another filesystem than the temporary directory's.
        let far = "/dev/shm/avatarpipe-far-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: far, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: far) }
        try renderStore.link(video, into: far)
        #expect(links(far + "/render.mp4") == 1)
        #expect(FileManager.default.contents(atPath: far + "/render.mp4") == data)
        // Linking again is harmless; a render.mp4 that is another video is never replaced.
        #expect(throws: Never.self) { try renderStore.link(video, into: far) }
        let other = TemporaryDirectory("avatarpipe-other")
        defer { other.remove() }
        try Data("another video".utf8).write(to: URL(fileURLWithPath: other.file("render.mp4")))
        #expect(throws: RenderError.self) { try renderStore.link(video, into: other.path) }
        #expect(FileManager.default.contents(atPath: other.file("render.mp4")) == Data("another video".utf8))
    }

    func links(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.referenceCount] as? NSNumber)?.intValue ?? 0
    }
}

struct SetupFailure: Error, CustomStringConvertible {
    var description: String
}

/// The hand-written listing JSON says what the Encodable one says, and escapes what it must.
@Suite struct JSONWriterTests {
    @Test func aListingWritesTheSameObjectAsEncodable() throws {
        let render = LedgerRender(id: 7, renderKey: "k\"ey\\", endpoint: "https://api.segmind.com", state: .rendered, api: "v2",
                                  owner: "h/b/1/2/s", leaseUntil: nil, token: 3, requestID: "r\n1", statusURL: nil, responseURL: nil,
                                  pollURL: nil, submitStartedAt: Date(timeIntervalSince1970: 1_800_000_000), submittedAt: nil,
                                  outputURL: "https://cdn/x.mp4", partialPath: nil, partialValidator: nil, videoSHA256: "aa",
                                  estimateUSD: 2.216, creditsBefore: nil, error: "tab\there \u{01}", createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                                  updatedAt: Date(timeIntervalSince1970: 1_800_000_001))
        let video = LedgerVideo(sha256: "aa", path: "renders/aa.mp4", bytes: 12, duration: 2.5, width: 1280, height: 720,
                                videoCodec: "h264", audioCodec: nil, verifiedAt: Date(timeIntervalSince1970: 1_800_000_002))
        for listing in [LedgerListing(render: render, video: video, charged: 2.216, jobs: ["/a", "h2:/b"]),
                        LedgerListing(render: render, video: nil, charged: nil, jobs: [])] {
            var writer = JSONWriter()
            listing.write(to: &writer)
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(Format.timestamp(date))
            }
            let fast = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
            let slow = try #require(try JSONSerialization.jsonObject(with: try encoder.encode(listing)) as? [String: Any])
            // Encodable leaves nil fields out; the writer says null.
            #expect(NSDictionary(dictionary: withoutNulls(fast)) == NSDictionary(dictionary: slow))
        }
        #expect(Format.timestamp(Date(timeIntervalSince1970: 1_800_000_000)) == "2027-01-15T08:00:00Z")
    }

    func withoutNulls(_ object: [String: Any]) -> [String: Any] {
        object.filter { !($0.value is NSNull) }.mapValues { value in
            (value as? [String: Any]).map(withoutNulls) ?? value
        }
    }
}
