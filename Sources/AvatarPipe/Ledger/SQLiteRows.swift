import Foundation
import GRDB

/// The schema, versioned: each step runs once, in order, inside the opening transaction, and
/// `user_version` says how far a file has come.
enum LedgerSchema {
    static let steps: [String] = [
        """
        CREATE TABLE renders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            render_key TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            state TEXT NOT NULL,
            api TEXT NOT NULL,
            owner TEXT,
            lease_until DOUBLE,
            token INTEGER NOT NULL DEFAULT 1,
            request_id TEXT,
            status_url TEXT,
            response_url TEXT,
            poll_url TEXT,
            submit_started_at DOUBLE,
            submitted_at DOUBLE,
            output_url TEXT,
            partial_path TEXT,
            partial_validator TEXT,
            video_sha256 TEXT REFERENCES videos(sha256),
            estimate_usd DOUBLE,
            credits_before DOUBLE,
            error TEXT,
            created_at DOUBLE NOT NULL,
            updated_at DOUBLE NOT NULL
        );
        CREATE UNIQUE INDEX renders_one_submitter ON renders(render_key, endpoint) WHERE state IN ('claimed', 'submitting');
        CREATE INDEX renders_by_key ON renders(render_key, endpoint, state);
        CREATE INDEX renders_by_state ON renders(state);
        CREATE UNIQUE INDEX renders_by_request ON renders(endpoint, request_id) WHERE request_id IS NOT NULL;
        CREATE TABLE videos (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            duration DOUBLE,
            width INTEGER,
            height INTEGER,
            video_codec TEXT,
            audio_codec TEXT,
            verified_at DOUBLE NOT NULL
        );
        CREATE TABLE charges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            render_id INTEGER NOT NULL REFERENCES renders(id),
            at DOUBLE NOT NULL,
            amount DOUBLE NOT NULL,
            measured INTEGER NOT NULL,
            credits_before DOUBLE,
            credits_after DOUBLE
        );
        CREATE INDEX charges_by_time ON charges(at);
        CREATE UNIQUE INDEX charges_one_per_render ON charges(render_id);
        CREATE TABLE jobs (
            host TEXT NOT NULL,
            path TEXT NOT NULL,
            render_id INTEGER REFERENCES renders(id),
            render_key TEXT,
            owner TEXT,
            lease_until DOUBLE,
            created_at DOUBLE NOT NULL,
            updated_at DOUBLE NOT NULL,
            PRIMARY KEY (host, path)
        );
        CREATE INDEX jobs_by_render ON jobs(render_id);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at DOUBLE NOT NULL,
            render_id INTEGER,
            job TEXT,
            kind TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX events_by_render ON events(render_id);
        """,
        """
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            path TEXT NOT NULL,
            plan TEXT NOT NULL,
            state TEXT NOT NULL,
            max_total DOUBLE,
            options TEXT NOT NULL,
            created_at DOUBLE NOT NULL,
            updated_at DOUBLE NOT NULL,
            UNIQUE (host, path)
        );
        CREATE TABLE batch_rows (
            batch_id TEXT NOT NULL REFERENCES batches(id),
            row_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL,
            verdict TEXT,
            finding TEXT,
            render_key TEXT,
            estimate_usd DOUBLE,
            sample INTEGER NOT NULL DEFAULT 0,
            reserved_usd DOUBLE,
            render_id INTEGER REFERENCES renders(id),
            error TEXT,
            job_path TEXT NOT NULL,
            updated_at DOUBLE NOT NULL,
            PRIMARY KEY (batch_id, row_id)
        );
        CREATE INDEX batch_rows_by_render ON batch_rows(render_id);
        """,
    ]

    static func migrate(_ db: Database) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        guard version < steps.count else {
            if version > steps.count {
                throw LedgerError.unusable("the ledger was written by a newer avatarpipe (schema \(version), this one knows \(steps.count))")
            }
            return
        }
        for step in steps[version...] { try db.execute(sql: step) }
        try db.execute(sql: "PRAGMA user_version = \(steps.count)")
    }
}

/// Reads and writes of `renders`, `videos`, `charges` and `events`.
enum RenderRows {
    static let inFlightList = RenderState.inFlight.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// The columns of a render, in the order `LedgerRender(row:)` reads them (by position: a
    /// listing of 10,000 renders would spend most of its time looking columns up by name).
    static let renderColumns = ["id", "render_key", "endpoint", "state", "api", "owner", "lease_until", "token", "request_id",
                                "status_url", "response_url", "poll_url", "submit_started_at", "submitted_at", "output_url",
                                "partial_path", "partial_validator", "video_sha256", "estimate_usd", "credits_before", "error",
                                "created_at", "updated_at"]
    static let videoColumns = ["sha256", "path", "bytes", "duration", "width", "height", "video_codec", "audio_codec", "verified_at"]

    static func columns(_ names: [String], of table: String) -> String {
        names.map { "\(table).\($0)" }.joined(separator: ", ")
    }

    static let selectRender = "SELECT \(columns(renderColumns, of: "renders")) FROM renders"

    static func acquire(_ want: RenderWant, owner: LedgerOwner, leaseUntil: Date, db: Database) throws -> Acquisition {
        let rendered = want.forceNew ? nil : try LedgerRender.fetchOne(db, sql: """
            \(selectRender) WHERE render_key = ? AND endpoint = ? AND state = 'rendered' AND video_sha256 IS NOT NULL
            ORDER BY id DESC LIMIT 1
            """, arguments: [want.renderKey, want.endpoint])
        let inFlight = try LedgerRender.fetchAll(db, sql: """
            \(selectRender) WHERE render_key = ? AND endpoint = ? AND state IN (\(inFlightList)) ORDER BY id
            """, arguments: [want.renderKey, want.endpoint])
        let plan = ClaimRules.plan(want, owner: owner, rendered: rendered, inFlight: inFlight)
        try abandon(plan.abandon, by: owner, db: db)
        switch plan.outcome {
        case .reuse(let render): return try reuse(render, db: db)
        case .follow(let render): return .follow(render)
        case .maybeSubmitted(let render): return .maybeSubmitted(render)
        case .ended(let render): return .ended(render)
        case .takeOver(let render): return .owned(try takeOver(render, owner: owner, leaseUntil: leaseUntil, db: db))
        case .insert: return .owned(try insert(want, owner: owner, leaseUntil: leaseUntil, db: db))
        }
    }

    static func resume(_ render: LedgerRender, owner: LedgerOwner, leaseUntil: Date, db: Database) throws -> Acquisition {
        let plan = ClaimRules.resume(render, owner: owner, ephemeral: render.endpoint == ServiceEndpoint.builtInSandbox)
        try abandon(plan.abandon, by: owner, db: db)
        switch plan.outcome {
        case .reuse(let render): return try reuse(render, db: db)
        case .follow(let render): return .follow(render)
        case .maybeSubmitted(let render): return .maybeSubmitted(render)
        case .ended(let render): return .ended(try fetch(id: render.id, db: db) ?? render)
        case .takeOver(let render): return .owned(try takeOver(render, owner: owner, leaseUntil: leaseUntil, db: db))
        case .insert: throw LedgerError.unusable("resume never makes a new claim")
        }
    }

    static func reuse(_ render: LedgerRender, db: Database) throws -> Acquisition {
        guard let sha = render.videoSHA256, let video = try video(sha256: sha, db: db) else {
            throw LedgerError.notFound("render \(render.id) is marked rendered but its video is not in the ledger")
        }
        return .reuse(render, video)
    }

    static func abandon(_ renders: [LedgerRender], by owner: LedgerOwner, db: Database) throws {
        let now = Date().timeIntervalSince1970
        for render in renders {
            try db.execute(sql: """
                UPDATE renders SET state = 'abandoned', lease_until = NULL, token = token + 1, updated_at = ? WHERE id = ?
                """, arguments: [now, render.id])
            let why = render.state == .submitting
                ? "its owner (\(render.ownerName)) died while submitting; given up by \(owner) with --force-new (a render may exist)"
                : "its owner (\(render.ownerName)) ended, and the built-in sandbox that served it with it"
            try event(db, renderID: render.id, job: nil, kind: "abandoned", why)
        }
    }

    static func takeOver(_ render: LedgerRender, owner: LedgerOwner, leaseUntil: Date, db: Database) throws -> RenderClaim {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: """
            UPDATE renders SET owner = ?, lease_until = ?, token = token + 1, updated_at = ? WHERE id = ?
            """, arguments: [owner.id, leaseUntil.timeIntervalSince1970, now, render.id])
        if render.owner != owner.id {
            try event(db, renderID: render.id, job: nil, kind: "taken-over",
                      "\(owner) took over from \(render.ownerName) at \(render.state.rawValue)")
        }
        return RenderClaim(render: try require(render.id, db: db), owner: owner)
    }

    static func insert(_ want: RenderWant, owner: LedgerOwner, leaseUntil: Date, db: Database) throws -> RenderClaim {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO renders (render_key, endpoint, state, api, owner, lease_until, token, estimate_usd, created_at, updated_at)
            VALUES (?, ?, 'claimed', ?, ?, ?, 1, ?, ?, ?)
            """, arguments: [want.renderKey, want.endpoint, want.api, owner.id, leaseUntil.timeIntervalSince1970,
                             want.estimateUSD, now, now])
        let id = db.lastInsertedRowID
        try event(db, renderID: id, job: nil, kind: "claimed",
                  "\(owner) claimed key \(want.renderKey.prefix(16)) on \(want.endpoint)" + (want.forceNew ? " (--force-new)" : ""))
        return RenderClaim(render: try require(id, db: db), owner: owner)
    }

    /// A write by the claim's owner, only while the claim is still its own.
    static func fenced(_ claim: RenderClaim, set assignments: String, _ arguments: StatementArguments, db: Database) throws -> RenderClaim {
        try db.execute(sql: "UPDATE renders SET \(assignments), updated_at = ? WHERE id = ? AND token = ? AND owner = ?",
                       arguments: arguments + [Date().timeIntervalSince1970, claim.render.id, claim.render.token, claim.owner.id])
        guard db.changesCount == 1 else {
            let holder = try fetch(id: claim.render.id, db: db)
            throw LedgerError.leaseLost(renderID: claim.render.id, holder: holder?.ownerName)
        }
        return RenderClaim(render: try require(claim.render.id, db: db), owner: claim.owner)
    }

    static func apply(_ change: RenderChange, to claim: RenderClaim, db: Database) throws -> RenderClaim {
        let id = claim.render.id
        switch change {
        case .submitting:
            let updated = try fenced(claim, set: "state = 'submitting', submit_started_at = ?", [Date().timeIntervalSince1970], db: db)
            try event(db, renderID: id, job: nil, kind: "submitting", "the submit is leaving (\(claim.render.api))")
            return updated
        case .creditsBefore(let credits):
            return try fenced(claim, set: "credits_before = ?", [credits], db: db)
        case .completed(let url):
            let updated = try fenced(claim, set: "state = 'completed', output_url = ?", [url], db: db)
            try event(db, renderID: id, job: nil, kind: "completed", "the service finished the render")
            return updated
        case .partial(let path, let validator):
            return try fenced(claim, set: "partial_path = ?, partial_validator = ?", [path, validator], db: db)
        case .refused(let message):
            let updated = try fenced(claim, set: "state = 'refused', error = ?, lease_until = NULL", [message], db: db)
            try event(db, renderID: id, job: nil, kind: "refused", message)
            return updated
        case .failed(let message):
            let updated = try fenced(claim, set: "state = 'failed', error = ?, lease_until = NULL", [message], db: db)
            try event(db, renderID: id, job: nil, kind: "failed", message)
            return updated
        case .expired(let message):
            let updated = try fenced(claim, set: "state = 'expired', error = ?, lease_until = NULL", [message], db: db)
            try event(db, renderID: id, job: nil, kind: "expired", message)
            return updated
        }
    }

    static func recordSubmission(_ submission: Submission, claim: RenderClaim, leaseUntil: Date, db: Database) throws -> RenderClaim {
        let now = Date().timeIntervalSince1970
        // Not fenced: a request id the service gave is never dropped. A claim given up while
        // its submit was out (--force-new) comes back to life here, as the render it is.
        try db.execute(sql: """
            UPDATE renders SET state = CASE WHEN state IN ('claimed', 'submitting', 'abandoned') THEN 'submitted' ELSE state END,
                request_id = ?, status_url = ?, response_url = ?, poll_url = ?, submitted_at = ?,
                owner = ?, lease_until = ?, updated_at = ?
            WHERE id = ?
            """, arguments: [submission.requestID, submission.statusURL, submission.responseURL, submission.pollURL,
                             submission.submittedAt.timeIntervalSince1970, claim.owner.id,
                             leaseUntil.timeIntervalSince1970, now, claim.render.id])
        try event(db, renderID: claim.render.id, job: nil, kind: "submitted", "accepted as request \(submission.requestID)")
        return RenderClaim(render: try require(claim.render.id, db: db), owner: claim.owner)
    }

    static func recordRendered(_ claim: RenderClaim, video: LedgerVideo, charge: LedgerCharge, db: Database) throws -> RenderClaim {
        try db.execute(sql: """
            INSERT INTO videos (sha256, path, bytes, duration, width, height, video_codec, audio_codec, verified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING
            """, arguments: [video.sha256, video.path, video.bytes, video.duration, video.width, video.height,
                             video.videoCodec, video.audioCodec, video.verifiedAt.timeIntervalSince1970])
        let updated = try fenced(claim, set: "state = 'rendered', video_sha256 = ?, partial_path = NULL, partial_validator = NULL, lease_until = NULL",
                                 [video.sha256], db: db)
        try db.execute(sql: """
            INSERT INTO charges (render_id, at, amount, measured, credits_before, credits_after) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(render_id) DO NOTHING
            """, arguments: [charge.renderID, charge.at.timeIntervalSince1970, charge.amount, charge.measured,
                             charge.creditsBefore, charge.creditsAfter])
        try event(db, renderID: claim.render.id, job: nil, kind: "rendered",
                  "video \(video.sha256.prefix(16)) stored and verified; charged \(Format.usd(charge.amount))"
                  + (charge.measured ? "" : " (estimated: the balance could not be read)"))
        return updated
    }

    static func event(_ db: Database, renderID: Int64?, job: String?, kind: String, _ message: String) throws {
        try db.execute(sql: "INSERT INTO events (at, render_id, job, kind, message) VALUES (?, ?, ?, ?, ?)",
                       arguments: [Date().timeIntervalSince1970, renderID, job, kind, message])
    }

    static func fetch(id: Int64, db: Database) throws -> LedgerRender? {
        try LedgerRender.fetchOne(db, sql: "\(selectRender) WHERE id = ?", arguments: [id])
    }

    static func require(_ id: Int64, db: Database) throws -> LedgerRender {
        guard let render = try fetch(id: id, db: db) else { throw LedgerError.notFound("the ledger has no render \(id)") }
        return render
    }

    static func video(sha256: String, db: Database) throws -> LedgerVideo? {
        try LedgerVideo.fetchOne(db, sql: "SELECT \(columns(videoColumns, of: "videos")) FROM videos WHERE sha256 = ?",
                                 arguments: [sha256])
    }
}

/// Reads and writes of `jobs`.
enum JobRows {
    static func enter(_ place: JobPlace, owner: LedgerOwner, leaseUntil: Date, db: Database) throws -> JobEntry {
        if let job = try fetch(place, db: db), job.owner != owner.id, job.ownerIsAlive() { return .busy(job) }
        let now = Date().timeIntervalSince1970
        try db.execute(sql: """
            INSERT INTO jobs (host, path, owner, lease_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(host, path) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until,
                updated_at = excluded.updated_at
            """, arguments: [place.host, place.path, owner.id, leaseUntil.timeIntervalSince1970, now, now])
        guard let job = try fetch(place, db: db) else { throw LedgerError.notFound("the job \(place) vanished") }
        return .entered(job)
    }

    static func link(_ place: JobPlace, to render: LedgerRender, owner: LedgerOwner, db: Database) throws {
        try db.execute(sql: "UPDATE jobs SET render_id = ?, render_key = ?, updated_at = ? WHERE host = ? AND path = ? AND owner = ?",
                       arguments: [render.id, render.renderKey, Date().timeIntervalSince1970, place.host, place.path, owner.id])
        guard db.changesCount == 1 else {
            let holder = try fetch(place, db: db)?.owner.flatMap(LedgerOwner.init(id:))
            throw LedgerError.unusable("\(place) is no longer this process's to work in (now \(holder?.description ?? "nobody"))")
        }
        try RenderRows.event(db, renderID: render.id, job: place.description, kind: "job", "\(place) uses render \(render.id)")
    }

    static func fetch(_ place: JobPlace, db: Database) throws -> LedgerJob? {
        try LedgerJob.fetchOne(db, sql: "SELECT * FROM jobs WHERE host = ? AND path = ?", arguments: [place.host, place.path])
    }
}

/// Reads and writes of `batches` and `batch_rows`.
enum BatchRows {
    static func save(_ batch: LedgerBatch, rows: [LedgerBatchRow], db: Database) throws {
        try db.execute(sql: """
            INSERT INTO batches (id, host, path, plan, state, max_total, options, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET plan = excluded.plan, state = excluded.state, max_total = excluded.max_total,
                options = excluded.options, updated_at = excluded.updated_at
            """, arguments: [batch.id, batch.host, batch.path, batch.plan, batch.state.rawValue, batch.maxTotal, batch.options,
                             batch.createdAt.timeIntervalSince1970, batch.updatedAt.timeIntervalSince1970])
        for row in rows {
            // A row already rendered keeps its state and render: checking again never forgets a render.
            try db.execute(sql: """
                INSERT INTO batch_rows (batch_id, row_id, position, state, verdict, finding, render_key, estimate_usd, sample,
                                        job_path, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(batch_id, row_id) DO UPDATE SET position = excluded.position, verdict = excluded.verdict,
                    finding = excluded.finding, render_key = excluded.render_key, estimate_usd = excluded.estimate_usd,
                    state = CASE WHEN batch_rows.state IN ('planned', 'unreadable', 'blocked', 'ready', 'held')
                                 THEN excluded.state ELSE batch_rows.state END,
                    updated_at = excluded.updated_at
                """, arguments: [row.batchID, row.rowID, row.position, row.state.rawValue, row.verdict, row.finding, row.renderKey,
                                 row.estimateUSD, row.sample, row.jobPath, row.updatedAt.timeIntervalSince1970])
        }
    }

    static func batch(_ place: JobPlace, db: Database) throws -> LedgerBatch? {
        try LedgerBatch.fetchOne(db, sql: "SELECT * FROM batches WHERE host = ? AND path = ?", arguments: [place.host, place.path])
    }

    static func rows(_ batchID: String, db: Database) throws -> [LedgerBatchRow] {
        try LedgerBatchRow.fetchAll(db, sql: "SELECT * FROM batch_rows WHERE batch_id = ? ORDER BY position", arguments: [batchID])
    }

    static func update(_ batchID: String, state: BatchState, db: Database) throws {
        try db.execute(sql: "UPDATE batches SET state = ?, updated_at = ? WHERE id = ?",
                       arguments: [state.rawValue, Date().timeIntervalSince1970, batchID])
    }

    static func update(_ batchID: String, row rowID: String, _ change: BatchRowChange, db: Database) throws {
        var assignments = ["updated_at = ?"]
        var arguments: StatementArguments = [Date().timeIntervalSince1970]
        if let state = change.state { assignments.append("state = ?"); arguments += [state.rawValue] }
        if let renderID = change.renderID { assignments.append("render_id = ?"); arguments += [renderID] }
        if let error = change.error { assignments.append("error = ?"); arguments += [error.isEmpty ? nil : error] }
        if let sample = change.sample { assignments.append("sample = ?"); arguments += [sample] }
        arguments += [batchID, rowID]
        try db.execute(sql: "UPDATE batch_rows SET \(assignments.joined(separator: ", ")) WHERE batch_id = ? AND row_id = ?",
                       arguments: arguments)
    }

    /// Charges of the renders this batch reserved for, plus what those still in flight hold.
    static func spend(_ batchID: String, db: Database) throws -> BatchSpend {
        let row = try Row.fetchOne(db, sql: """
            SELECT coalesce(sum(c.amount), 0) AS charged,
                   coalesce(sum(CASE WHEN c.amount IS NULL AND r.state IN (\(RenderRows.inFlightList)) THEN b.reserved_usd ELSE 0 END), 0) AS reserved
            FROM (SELECT DISTINCT render_id, reserved_usd FROM batch_rows WHERE batch_id = ? AND reserved_usd IS NOT NULL) b
            JOIN renders r ON r.id = b.render_id LEFT JOIN charges c ON c.render_id = r.id
            """, arguments: [batchID])
        return BatchSpend(charged: row?["charged"] ?? 0, reserved: row?["reserved"] ?? 0)
    }

    /// Holds `amount` of the batch's budget for the render this row is about to submit, if the
    /// batch's spend and holds leave room under `cap`; in the same transaction, so two
    /// submits never both take the last dollars.
    static func reserve(_ batchID: String, row rowID: String, renderID: Int64, amount: Double, cap: Double?, db: Database) throws -> Reservation {
        let spent = try spend(batchID, db: db).total
        if let cap, spent + amount > cap + 1e-9 { return .overBudget(spent: spent) }
        try db.execute(sql: "UPDATE batch_rows SET reserved_usd = ?, render_id = ?, state = 'rendering', updated_at = ? WHERE batch_id = ? AND row_id = ?",
                       arguments: [amount, renderID, Date().timeIntervalSince1970, batchID, rowID])
        return .reserved
    }
}

/// What `avatarpipe ledger` shows.
enum LedgerReports {
    /// One query: each render with its video, its charge and its job directories.
    static func listing(_ query: LedgerQuery, db: Database) throws -> [LedgerListing] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let states = query.states, !states.isEmpty {
            conditions.append("r.state IN (\(states.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(states.map(\.rawValue))
        }
        if let since = query.since {
            conditions.append("r.created_at >= ?")
            arguments += [since.timeIntervalSince1970]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = query.limit.map { "LIMIT \($0)" } ?? ""
        let renderCount = RenderRows.renderColumns.count, videoCount = RenderRows.videoColumns.count
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(RenderRows.columns(RenderRows.renderColumns, of: "r")), \(RenderRows.columns(RenderRows.videoColumns, of: "v")),
                   c.amount,
                   (SELECT group_concat(j.host || char(9) || j.path, char(10)) FROM jobs j WHERE j.render_id = r.id)
            FROM renders r LEFT JOIN videos v ON v.sha256 = r.video_sha256 LEFT JOIN charges c ON c.render_id = r.id
            \(filter) ORDER BY r.id DESC \(limit)
            """, arguments: arguments)
        var listings: [LedgerListing] = []
        while let row = try cursor.next() {
            let render = try LedgerRender(row: row)
            let video = (row[renderCount] as String?) == nil ? nil : LedgerVideo(row: row, from: renderCount)
            let jobs = (row[renderCount + videoCount + 1] as String?).map { text in
                text.split(separator: "\n").map { line -> String in
                    let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
                    return JobPlace(host: parts[0], path: parts.count > 1 ? parts[1] : "").description
                }
            } ?? []
            listings.append(LedgerListing(render: render, video: video, charged: row[renderCount + videoCount], jobs: jobs))
        }
        return listings
    }

    static func spend(since: Date, db: Database) throws -> LedgerSpend {
        let charged = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM charges WHERE at >= ?",
                                       arguments: [since.timeIntervalSince1970])
        let flying = try Row.fetchOne(db, sql: """
            SELECT count(*) AS n, coalesce(sum(estimate_usd), 0) AS total FROM renders WHERE state IN ('submitting', 'submitted', 'completed')
            """)
        return LedgerSpend(since: since, renders: charged?["n"] ?? 0, charged: charged?["total"] ?? 0,
                           inFlight: flying?["n"] ?? 0, inFlightEstimate: flying?["total"] ?? 0)
    }

    static func events(renderID: Int64, db: Database) throws -> [LedgerEvent] {
        try LedgerEvent.fetchAll(db, sql: "SELECT * FROM events WHERE render_id = ? ORDER BY id", arguments: [renderID])
    }
}

// MARK: - Rows to records (dates are stored as seconds since 1970)

private func date(_ row: Row, _ column: String) -> Date? {
    (row[column] as Double?).map(Date.init(timeIntervalSince1970:))
}

private func date(_ row: Row, _ index: Int) -> Date? {
    (row[index] as Double?).map(Date.init(timeIntervalSince1970:))
}

extension LedgerRender: FetchableRecord {
    /// Reads the columns of `RenderRows.renderColumns`, by position.
    public init(row: Row) throws {
        guard let state = RenderState(rawValue: row[3]) else {
            throw LedgerError.unusable("the ledger holds an unknown render state \(String(describing: row[3] as String?))")
        }
        self.init(id: row[0], renderKey: row[1], endpoint: row[2], state: state, api: row[4], owner: row[5], leaseUntil: date(row, 6),
                  token: row[7], requestID: row[8], statusURL: row[9], responseURL: row[10], pollURL: row[11],
                  submitStartedAt: date(row, 12), submittedAt: date(row, 13), outputURL: row[14], partialPath: row[15],
                  partialValidator: row[16], videoSHA256: row[17], estimateUSD: row[18], creditsBefore: row[19], error: row[20],
                  createdAt: date(row, 21) ?? Date(), updatedAt: date(row, 22) ?? Date())
    }
}

extension LedgerVideo: FetchableRecord {
    /// Reads the columns of `RenderRows.videoColumns`, by position.
    public init(row: Row) throws {
        self.init(row: row, from: 0)
    }

    init(row: Row, from first: Int) {
        self.init(sha256: row[first], path: row[first + 1], bytes: row[first + 2], duration: row[first + 3], width: row[first + 4],
                  height: row[first + 5], videoCodec: row[first + 6], audioCodec: row[first + 7],
                  verifiedAt: date(row, first + 8) ?? Date())
    }
}

extension LedgerCharge: FetchableRecord {
    public init(row: Row) throws {
        self.init(renderID: row["render_id"], at: date(row, "at") ?? Date(), amount: row["amount"], measured: row["measured"],
                  creditsBefore: row["credits_before"], creditsAfter: row["credits_after"])
    }
}

extension LedgerBatch: FetchableRecord {
    public init(row: Row) throws {
        guard let state = BatchState(rawValue: row["state"]) else { throw LedgerError.unusable("unknown batch state") }
        self.init(id: row["id"], host: row["host"], path: row["path"], plan: row["plan"], state: state, maxTotal: row["max_total"],
                  options: row["options"], createdAt: date(row, "created_at") ?? Date(), updatedAt: date(row, "updated_at") ?? Date())
    }
}

extension LedgerBatchRow: FetchableRecord {
    public init(row: Row) throws {
        guard let state = BatchRowState(rawValue: row["state"]) else { throw LedgerError.unusable("unknown batch row state") }
        self.init(batchID: row["batch_id"], rowID: row["row_id"], position: row["position"], state: state, verdict: row["verdict"],
                  finding: row["finding"], renderKey: row["render_key"], estimateUSD: row["estimate_usd"], sample: row["sample"],
                  reservedUSD: row["reserved_usd"], renderID: row["render_id"], error: row["error"], jobPath: row["job_path"],
                  updatedAt: date(row, "updated_at") ?? Date())
    }
}

extension LedgerJob: FetchableRecord {
    public init(row: Row) throws {
        self.init(host: row["host"], path: row["path"], renderID: row["render_id"], renderKey: row["render_key"],
                  owner: row["owner"], leaseUntil: date(row, "lease_until"), createdAt: date(row, "created_at") ?? Date(),
                  updatedAt: date(row, "updated_at") ?? Date())
    }
}

extension LedgerEvent: FetchableRecord {
    public init(row: Row) throws {
        self.init(at: date(row, "at") ?? Date(), renderID: row["render_id"], job: row["job"], kind: row["kind"], message: row["message"])
    }
}
