import Foundation
import GRDB

/// The ledger in one SQLite file (GRDB over the system libsqlite3): WAL mode so readers never
/// wait, `synchronous=FULL` so a committed claim survives a power cut, and every
/// read-decide-write in a `BEGIN IMMEDIATE` transaction, so two processes deciding about the
/// same render take turns. Several processes on one machine share it safely; machines that
/// share a ledger need the PostgreSQL backend (SQLite's locks do not cross a network disk).
public final class SQLiteLedger: Ledger {
    public let path: String
    public let lease: Duration
    private let database: DatabaseQueue

    public var location: String { path }
    public var storeDirectory: String { (path as NSString).deletingLastPathComponent }

    public init(path: String, lease: Duration = .seconds(30)) throws {
        self.path = path
        self.lease = lease
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            database = try SQLiteLedger.open(path)
        } catch let error as DatabaseError {
            throw LedgerError.unusable("the ledger \(path) cannot be opened: \(error.message ?? "\(error)")")
        }
    }

    /// Opens the file in WAL mode and brings its schema up to date. Two processes opening a
    /// new ledger at once race for the switch to WAL, which SQLite answers with "locked"
    /// without waiting: the loser tries again.
    private static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(60)
        configuration.label = "avatarpipe-ledger"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        var attempt = 0
        while true {
            do {
                let database = try DatabaseQueue(path: path, configuration: configuration)
                try database.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        try LedgerSchema.migrate(db)
                        return .commit
                    }
                }
                return database
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 100 {
                attempt += 1
                usleep(50_000)
            }
        }
    }

    // MARK: - Claims

    public func acquire(_ want: RenderWant, owner: LedgerOwner) async throws -> Acquisition {
        let leaseUntil = Date().addingTimeInterval(lease.seconds)
        return try await transaction { db in
            try RenderRows.acquire(want, owner: owner, leaseUntil: leaseUntil, db: db)
        }
    }

    public func acquire(renderID: Int64, owner: LedgerOwner) async throws -> Acquisition {
        let leaseUntil = Date().addingTimeInterval(lease.seconds)
        return try await transaction { db in
            guard let render = try RenderRows.fetch(id: renderID, db: db) else {
                throw LedgerError.notFound("the ledger \(self.path) has no render \(renderID)")
            }
            return try RenderRows.resume(render, owner: owner, leaseUntil: leaseUntil, db: db)
        }
    }

    public func update(_ claim: RenderClaim, _ change: RenderChange) async throws -> RenderClaim {
        try await transaction { db in try RenderRows.apply(change, to: claim, db: db) }
    }

    public func recordSubmission(_ claim: RenderClaim, _ submission: Submission) async throws -> RenderClaim {
        let leaseUntil = Date().addingTimeInterval(lease.seconds)
        return try await transaction { db in try RenderRows.recordSubmission(submission, claim: claim, leaseUntil: leaseUntil, db: db) }
    }

    public func recordRendered(_ claim: RenderClaim, video: LedgerVideo, charge: LedgerCharge) async throws -> RenderClaim {
        try await transaction { db in try RenderRows.recordRendered(claim, video: video, charge: charge, db: db) }
    }

    public func renew(owner: LedgerOwner) async throws {
        let until = Date().addingTimeInterval(lease.seconds).timeIntervalSince1970
        let states = RenderState.inFlight.map { "'\($0.rawValue)'" }.joined(separator: ",")
        try await transaction { db in
            try db.execute(sql: "UPDATE renders SET lease_until = ? WHERE owner = ? AND state IN (\(states))",
                           arguments: [until, owner.id])
            try db.execute(sql: "UPDATE jobs SET lease_until = ? WHERE owner = ?", arguments: [until, owner.id])
        }
    }

    public func note(renderID: Int64?, job: String?, kind: String, _ message: String) async throws {
        try await transaction { db in try RenderRows.event(db, renderID: renderID, job: job, kind: kind, message) }
    }

    public func render(id: Int64) async throws -> LedgerRender? {
        try await read { db in try RenderRows.fetch(id: id, db: db) }
    }

    public func charge(renderID: Int64) async throws -> LedgerCharge? {
        try await read { db in
            try LedgerCharge.fetchOne(db, sql: "SELECT * FROM charges WHERE render_id = ?", arguments: [renderID])
        }
    }

    public func othersCharged(besides renderID: Int64, since: Date) async throws -> Bool {
        try await read { db in
            let states = "'submitting', 'submitted', 'completed'"
            let count = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM renders WHERE id != ? AND state IN (\(states)))
                     + (SELECT count(*) FROM charges WHERE render_id != ? AND at >= ?)
                """, arguments: [renderID, renderID, since.timeIntervalSince1970]) ?? 0
            return count > 0
        }
    }

    public func video(sha256: String) async throws -> LedgerVideo? {
        try await read { db in try RenderRows.video(sha256: sha256, db: db) }
    }

    // MARK: - Jobs

    public func enterJob(_ place: JobPlace, owner: LedgerOwner) async throws -> JobEntry {
        let leaseUntil = Date().addingTimeInterval(lease.seconds)
        return try await transaction { db in try JobRows.enter(place, owner: owner, leaseUntil: leaseUntil, db: db) }
    }

    public func linkJob(_ place: JobPlace, to render: LedgerRender, owner: LedgerOwner) async throws {
        try await transaction { db in try JobRows.link(place, to: render, owner: owner, db: db) }
    }

    public func release(owner: LedgerOwner) async throws {
        let states = RenderState.inFlight.map { "'\($0.rawValue)'" }.joined(separator: ",")
        try await transaction { db in
            try db.execute(sql: "UPDATE renders SET lease_until = NULL WHERE owner = ? AND state IN (\(states))", arguments: [owner.id])
            try db.execute(sql: "UPDATE jobs SET owner = NULL, lease_until = NULL WHERE owner = ?", arguments: [owner.id])
        }
    }

    public func job(_ place: JobPlace) async throws -> LedgerJob? {
        try await read { db in try JobRows.fetch(place, db: db) }
    }

    // MARK: - Batches

    public func saveBatch(_ batch: LedgerBatch, rows: [LedgerBatchRow]) async throws {
        try await transaction { db in try BatchRows.save(batch, rows: rows, db: db) }
    }

    public func batch(at place: JobPlace) async throws -> LedgerBatch? {
        try await read { db in try BatchRows.batch(place, db: db) }
    }

    public func batchRows(_ batchID: String) async throws -> [LedgerBatchRow] {
        try await read { db in try BatchRows.rows(batchID, db: db) }
    }

    public func updateBatch(_ batchID: String, state: BatchState) async throws {
        try await transaction { db in try BatchRows.update(batchID, state: state, db: db) }
    }

    public func updateRow(_ batchID: String, row rowID: String, _ change: BatchRowChange) async throws {
        try await transaction { db in try BatchRows.update(batchID, row: rowID, change, db: db) }
    }

    public func reserve(_ batchID: String, row rowID: String, renderID: Int64, amount: Double, cap: Double?) async throws -> Reservation {
        try await transaction { db in try BatchRows.reserve(batchID, row: rowID, renderID: renderID, amount: amount, cap: cap, db: db) }
    }

    public func batchSpend(_ batchID: String) async throws -> BatchSpend {
        try await read { db in try BatchRows.spend(batchID, db: db) }
    }

    // MARK: - Reports

    public func listing(_ query: LedgerQuery) async throws -> [LedgerListing] {
        try await read { db in try LedgerReports.listing(query, db: db) }
    }

    public func spend(since: Date) async throws -> LedgerSpend {
        try await read { db in try LedgerReports.spend(since: since, db: db) }
    }

    public func events(renderID: Int64) async throws -> [LedgerEvent] {
        try await read { db in try LedgerReports.events(renderID: renderID, db: db) }
    }

    // MARK: - Transactions

    /// One `BEGIN IMMEDIATE` transaction: the write lock is taken before anything is read, so
    /// a decision is never made on rows another process is about to change.
    private func transaction<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try work(db)
                    return .commit
                }
                guard let result else { throw LedgerError.unusable("a ledger transaction returned nothing") }
                return result
            }
        } catch let error as DatabaseError {
            throw LedgerError.unusable("the ledger \(path) could not be written: \(error.message ?? "\(error)")")
        }
    }

    private func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(work)
        } catch let error as DatabaseError {
            throw LedgerError.unusable("the ledger \(path) could not be read: \(error.message ?? "\(error)")")
        }
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
