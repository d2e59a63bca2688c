import Foundation
import PostgresNIO

/// The `Ledger` calls in PostgreSQL: the same statements as `SQLiteRows`, in its dialect.
extension PostgresLedger {
    static let selectRender = "SELECT " + RenderRows.renderColumns.joined(separator: ", ") + " FROM renders"
    static let inFlight = RenderState.inFlight.map(\.rawValue)

    // MARK: - Claims

    public func acquire(_ want: RenderWant, owner: LedgerOwner) async throws -> Acquisition {
        try await transaction(locking: "render|\(want.renderKey)|\(want.endpoint)") { connection in
            let rendered = want.forceNew ? nil : try await rows("""
                \(unescaped: Self.selectRender) WHERE render_key = \(want.renderKey) AND endpoint = \(want.endpoint)
                AND state = 'rendered' AND video_sha256 IS NOT NULL ORDER BY id DESC LIMIT 1
                """, on: connection).first.map { try Self.render($0) }
            let inFlight = try await rows("""
                \(unescaped: Self.selectRender) WHERE render_key = \(want.renderKey) AND endpoint = \(want.endpoint)
                AND state = ANY(\(Self.inFlight)) ORDER BY id
                """, on: connection).map { try Self.render($0) }
            let plan = ClaimRules.plan(want, owner: owner, rendered: rendered, inFlight: inFlight)
            try await abandon(plan.abandon, by: owner, on: connection)
            switch plan.outcome {
            case .reuse(let render): return try await reuse(render, on: connection)
            case .follow(let render): return .follow(render)
            case .maybeSubmitted(let render): return .maybeSubmitted(render)
            case .ended(let render): return .ended(render)
            case .takeOver(let render): return .owned(try await takeOver(render, owner: owner, on: connection))
            case .insert: return .owned(try await insert(want, owner: owner, on: connection))
            }
        }
    }

    public func acquire(renderID: Int64, owner: LedgerOwner) async throws -> Acquisition {
        guard let known = try await render(id: renderID) else {
            throw LedgerError.notFound("the ledger \(location) has no render \(renderID)")
        }
        return try await transaction(locking: "render|\(known.renderKey)|\(known.endpoint)") { connection in
            guard let render = try await fetch(renderID, on: connection) else {
                throw LedgerError.notFound("the ledger \(location) has no render \(renderID)")
            }
            let plan = ClaimRules.resume(render, owner: owner, ephemeral: render.endpoint == ServiceEndpoint.builtInSandbox)
            try await abandon(plan.abandon, by: owner, on: connection)
            switch plan.outcome {
            case .reuse(let render): return try await reuse(render, on: connection)
            case .follow(let render): return .follow(render)
            case .maybeSubmitted(let render): return .maybeSubmitted(render)
            case .ended(let render): return .ended(try await fetch(render.id, on: connection) ?? render)
            case .takeOver(let render): return .owned(try await takeOver(render, owner: owner, on: connection))
            case .insert: throw LedgerError.unusable("resume never makes a new claim")
            }
        }
    }

    public func update(_ claim: RenderClaim, _ change: RenderChange) async throws -> RenderClaim {
        try await transaction { connection in
            let render = claim.render, now = Self.now
            let fence = "AND token = \(render.token) AND owner = '\(claim.owner.id.replacingOccurrences(of: "'", with: "''"))'"
            let updated: RenderClaim
            switch change {
            case .submitting:
                updated = try await fenced(claim, """
                    UPDATE renders SET state = 'submitting', submit_started_at = \(now), updated_at = \(now)
                    WHERE id = \(render.id) \(unescaped: fence) RETURNING id
                    """, on: connection)
                try await event(render.id, job: nil, kind: "submitting", "the submit is leaving (\(render.api))", on: connection)
            case .creditsBefore(let credits):
                updated = try await fenced(claim, """
                    UPDATE renders SET credits_before = \(credits), updated_at = \(now) WHERE id = \(render.id) \(unescaped: fence) RETURNING id
                    """, on: connection)
            case .completed(let url):
                updated = try await fenced(claim, """
                    UPDATE renders SET state = 'completed', output_url = \(url), updated_at = \(now)
                    WHERE id = \(render.id) \(unescaped: fence) RETURNING id
                    """, on: connection)
                try await event(render.id, job: nil, kind: "completed", "the service finished the render", on: connection)
            case .partial(let path, let validator):
                updated = try await fenced(claim, """
                    UPDATE renders SET partial_path = \(path), partial_validator = \(validator), updated_at = \(now)
                    WHERE id = \(render.id) \(unescaped: fence) RETURNING id
                    """, on: connection)
            case .refused(let message), .failed(let message), .expired(let message):
                let state: RenderState = { if case .refused = change { return .refused }; if case .failed = change { return .failed }; return .expired }()
                updated = try await fenced(claim, """
                    UPDATE renders SET state = \(state.rawValue), error = \(message), lease_until = NULL, updated_at = \(now)
                    WHERE id = \(render.id) \(unescaped: fence) RETURNING id
                    """, on: connection)
                try await event(render.id, job: nil, kind: state.rawValue, message, on: connection)
            }
            return updated
        }
    }

    public func recordSubmission(_ claim: RenderClaim, _ submission: Submission) async throws -> RenderClaim {
        let now = Self.now, until = leaseUntil
        return try await transaction { connection in
            try await connection.query("""
                UPDATE renders SET state = CASE WHEN state IN ('claimed', 'submitting', 'abandoned') THEN 'submitted' ELSE state END,
                    request_id = \(submission.requestID), status_url = \(submission.statusURL), response_url = \(submission.responseURL),
                    poll_url = \(submission.pollURL), submitted_at = \(submission.submittedAt.timeIntervalSince1970),
                    owner = \(claim.owner.id), lease_until = \(until), updated_at = \(now)
                WHERE id = \(claim.render.id)
                """, logger: logger)
            try await event(claim.render.id, job: nil, kind: "submitted", "accepted as request \(submission.requestID)", on: connection)
            return RenderClaim(render: try await require(claim.render.id, on: connection), owner: claim.owner)
        }
    }

    public func recordRendered(_ claim: RenderClaim, video: LedgerVideo, charge: LedgerCharge) async throws -> RenderClaim {
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO videos (sha256, path, bytes, duration, width, height, video_codec, audio_codec, verified_at, host)
                VALUES (\(video.sha256), \(video.path), \(video.bytes), \(video.duration), \(video.width), \(video.height),
                        \(video.videoCodec), \(video.audioCodec), \(video.verifiedAt.timeIntervalSince1970), \(LedgerOwner.thisHost))
                ON CONFLICT (sha256) DO NOTHING
                """, logger: logger)
            let fence = "AND token = \(claim.render.token) AND owner = '\(claim.owner.id.replacingOccurrences(of: "'", with: "''"))'"
            let updated = try await fenced(claim, """
                UPDATE renders SET state = 'rendered', video_sha256 = \(video.sha256), partial_path = NULL, partial_validator = NULL,
                    lease_until = NULL, updated_at = \(Self.now)
                WHERE id = \(claim.render.id) \(unescaped: fence) RETURNING id
                """, on: connection)
            try await connection.query("""
                INSERT INTO charges (render_id, at, amount, measured, credits_before, credits_after)
                VALUES (\(charge.renderID), \(charge.at.timeIntervalSince1970), \(charge.amount), \(charge.measured),
                        \(charge.creditsBefore), \(charge.creditsAfter))
                ON CONFLICT (render_id) DO NOTHING
                """, logger: logger)
            try await event(claim.render.id, job: nil, kind: "rendered",
                            "video \(video.sha256.prefix(16)) stored and verified; charged \(Format.usd(charge.amount))"
                            + (charge.measured ? "" : " (estimated: the balance could not be read)"), on: connection)
            return updated
        }
    }

    public func renew(owner: LedgerOwner) async throws {
        let until = leaseUntil
        try await transaction { connection in
            try await connection.query("""
                UPDATE renders SET lease_until = \(until) WHERE owner = \(owner.id) AND state = ANY(\(Self.inFlight))
                """, logger: logger)
            try await connection.query("UPDATE jobs SET lease_until = \(until) WHERE owner = \(owner.id)", logger: logger)
        }
    }

    public func release(owner: LedgerOwner) async throws {
        try await transaction { connection in
            try await connection.query("""
                UPDATE renders SET lease_until = NULL WHERE owner = \(owner.id) AND state = ANY(\(Self.inFlight))
                """, logger: logger)
            try await connection.query("UPDATE jobs SET owner = NULL, lease_until = NULL WHERE owner = \(owner.id)", logger: logger)
        }
    }

    public func note(renderID: Int64?, job: String?, kind: String, _ message: String) async throws {
        try await transaction { connection in try await event(renderID, job: job, kind: kind, message, on: connection) }
    }

    public func render(id: Int64) async throws -> LedgerRender? {
        try await rows("\(unescaped: Self.selectRender) WHERE id = \(id)").first.map { try Self.render($0) }
    }

    public func charge(renderID: Int64) async throws -> LedgerCharge? {
        try await rows("""
            SELECT render_id, at, amount, measured, credits_before, credits_after FROM charges WHERE render_id = \(renderID)
            """).first.map { row in
            LedgerCharge(renderID: try row[0].decode(Int64.self), at: Date(timeIntervalSince1970: try row[1].decode(Double.self)),
                         amount: try row[2].decode(Double.self), measured: try row[3].decode(Bool.self),
                         creditsBefore: try row[4].decode(Double?.self), creditsAfter: try row[5].decode(Double?.self))
        }
    }

    public func othersCharged(besides renderID: Int64, since: Date) async throws -> Bool {
        let count = try await rows("""
            SELECT (SELECT count(*) FROM renders WHERE id <> \(renderID) AND state IN ('submitting', 'submitted', 'completed'))
                 + (SELECT count(*) FROM charges WHERE render_id <> \(renderID) AND at >= \(since.timeIntervalSince1970))
            """).first.map { try $0[0].decode(Int.self) } ?? 0
        return count > 0
    }

    public func video(sha256: String) async throws -> LedgerVideo? {
        try await rows("""
            SELECT \(unescaped: RenderRows.videoColumns.joined(separator: ", ")) FROM videos WHERE sha256 = \(sha256)
            """).first.map { try Self.video($0, from: 0) }
    }

    // MARK: - Jobs

    public func enterJob(_ place: JobPlace, owner: LedgerOwner) async throws -> JobEntry {
        let until = leaseUntil, now = Self.now
        return try await transaction(locking: "job|\(place.host)|\(place.path)") { connection in
            if let job = try await job(place, on: connection), job.owner != owner.id, job.ownerIsAlive() { return .busy(job) }
            try await connection.query("""
                INSERT INTO jobs (host, path, owner, lease_until, created_at, updated_at)
                VALUES (\(place.host), \(place.path), \(owner.id), \(until), \(now), \(now))
                ON CONFLICT (host, path) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until,
                    updated_at = excluded.updated_at
                """, logger: logger)
            guard let job = try await job(place, on: connection) else { throw LedgerError.notFound("the job \(place) vanished") }
            return .entered(job)
        }
    }

    public func linkJob(_ place: JobPlace, to render: LedgerRender, owner: LedgerOwner) async throws {
        try await transaction { connection in
            let linked = try await rows("""
                UPDATE jobs SET render_id = \(render.id), render_key = \(render.renderKey), updated_at = \(Self.now)
                WHERE host = \(place.host) AND path = \(place.path) AND owner = \(owner.id) RETURNING path
                """, on: connection)
            guard linked.count == 1 else {
                let holder = try await job(place, on: connection)?.owner.flatMap(LedgerOwner.init(id:))
                throw LedgerError.unusable("\(place) is no longer this process's to work in (now \(holder?.description ?? "nobody"))")
            }
            try await event(render.id, job: place.description, kind: "job", "\(place) uses render \(render.id)", on: connection)
        }
    }

    public func job(_ place: JobPlace) async throws -> LedgerJob? {
        try await client.withConnection { connection in try await job(place, on: connection) }
    }

    // MARK: - Batches

    public func saveBatch(_ batch: LedgerBatch, rows batchRows: [LedgerBatchRow]) async throws {
        try await transaction(locking: "batch|\(batch.id)") { connection in
            try await connection.query("""
                INSERT INTO batches (id, host, path, plan, state, max_total, options, created_at, updated_at)
                VALUES (\(batch.id), \(batch.host), \(batch.path), \(batch.plan), \(batch.state.rawValue), \(batch.maxTotal),
                        \(batch.options), \(batch.createdAt.timeIntervalSince1970), \(batch.updatedAt.timeIntervalSince1970))
                ON CONFLICT (id) DO UPDATE SET plan = excluded.plan, state = excluded.state, max_total = excluded.max_total,
                    options = excluded.options, updated_at = excluded.updated_at
                """, logger: logger)
            for row in batchRows {
                try await connection.query("""
                    INSERT INTO batch_rows (batch_id, row_id, position, state, verdict, finding, render_key, estimate_usd, sample,
                                            job_path, updated_at)
                    VALUES (\(row.batchID), \(row.rowID), \(row.position), \(row.state.rawValue), \(row.verdict), \(row.finding),
                            \(row.renderKey), \(row.estimateUSD), \(row.sample), \(row.jobPath), \(row.updatedAt.timeIntervalSince1970))
                    ON CONFLICT (batch_id, row_id) DO UPDATE SET position = excluded.position, verdict = excluded.verdict,
                        finding = excluded.finding, render_key = excluded.render_key, estimate_usd = excluded.estimate_usd,
                        state = CASE WHEN batch_rows.state IN ('planned', 'unreadable', 'blocked', 'ready', 'held')
                                     THEN excluded.state ELSE batch_rows.state END,
                        updated_at = excluded.updated_at
                    """, logger: logger)
            }
        }
    }

    public func batch(at place: JobPlace) async throws -> LedgerBatch? {
        try await rows("""
            SELECT id, host, path, plan, state, max_total, options, created_at, updated_at FROM batches
            WHERE host = \(place.host) AND path = \(place.path)
            """).first.map { row in
            guard let state = BatchState(rawValue: try row[4].decode(String.self)) else { throw LedgerError.unusable("unknown batch state") }
            return LedgerBatch(id: try row[0].decode(String.self), host: try row[1].decode(String.self), path: try row[2].decode(String.self),
                               plan: try row[3].decode(String.self), state: state, maxTotal: try row[5].decode(Double?.self),
                               options: try row[6].decode(String.self), createdAt: Date(timeIntervalSince1970: try row[7].decode(Double.self)),
                               updatedAt: Date(timeIntervalSince1970: try row[8].decode(Double.self)))
        }
    }

    public func batchRows(_ batchID: String) async throws -> [LedgerBatchRow] {
        try await rows("""
            SELECT batch_id, row_id, position, state, verdict, finding, render_key, estimate_usd, sample, reserved_usd, render_id,
                   error, job_path, updated_at
            FROM batch_rows WHERE batch_id = \(batchID) ORDER BY position
            """).map { row in
            guard let state = BatchRowState(rawValue: try row[3].decode(String.self)) else { throw LedgerError.unusable("unknown row state") }
            return LedgerBatchRow(batchID: try row[0].decode(String.self), rowID: try row[1].decode(String.self),
                                  position: try row[2].decode(Int.self), state: state, verdict: try row[4].decode(String?.self),
                                  finding: try row[5].decode(String?.self), renderKey: try row[6].decode(String?.self),
                                  estimateUSD: try row[7].decode(Double?.self), sample: try row[8].decode(Bool.self),
                                  reservedUSD: try row[9].decode(Double?.self), renderID: try row[10].decode(Int64?.self),
                                  error: try row[11].decode(String?.self), jobPath: try row[12].decode(String.self),
                                  updatedAt: Date(timeIntervalSince1970: try row[13].decode(Double.self)))
        }
    }

    public func updateBatch(_ batchID: String, state: BatchState) async throws {
        try await transaction { connection in
            try await connection.query("UPDATE batches SET state = \(state.rawValue), updated_at = \(Self.now) WHERE id = \(batchID)",
                                       logger: logger)
        }
    }

    public func updateRow(_ batchID: String, row rowID: String, _ change: BatchRowChange) async throws {
        try await transaction { connection in
            let now = Self.now
            if let state = change.state {
                try await connection.query("UPDATE batch_rows SET state = \(state.rawValue), updated_at = \(now) WHERE batch_id = \(batchID) AND row_id = \(rowID)", logger: logger)
            }
            if let renderID = change.renderID {
                try await connection.query("UPDATE batch_rows SET render_id = \(renderID) WHERE batch_id = \(batchID) AND row_id = \(rowID)", logger: logger)
            }
            if let error = change.error {
                let text: String? = error.isEmpty ? nil : error
                try await connection.query("UPDATE batch_rows SET error = \(text), updated_at = \(now) WHERE batch_id = \(batchID) AND row_id = \(rowID)", logger: logger)
            }
            if let sample = change.sample {
                try await connection.query("UPDATE batch_rows SET sample = \(sample) WHERE batch_id = \(batchID) AND row_id = \(rowID)", logger: logger)
            }
        }
    }

    public func reserve(_ batchID: String, row rowID: String, renderID: Int64, amount: Double, cap: Double?) async throws -> Reservation {
        try await transaction(locking: "batch|\(batchID)") { connection in
            let spent = try await spend(batchID, on: connection).total
            if let cap, spent + amount > cap + 1e-9 { return .overBudget(spent: spent) }
            try await connection.query("""
                UPDATE batch_rows SET reserved_usd = \(amount), render_id = \(renderID), state = 'rendering', updated_at = \(Self.now)
                WHERE batch_id = \(batchID) AND row_id = \(rowID)
                """, logger: logger)
            return .reserved
        }
    }

    public func batchSpend(_ batchID: String) async throws -> BatchSpend {
        try await client.withConnection { connection in try await spend(batchID, on: connection) }
    }

    // MARK: - Reports

    public func listing(_ query: LedgerQuery) async throws -> [LedgerListing] {
        let states = query.states.map { $0.map(\.rawValue) } ?? RenderState.allCases.map(\.rawValue)
        let since = query.since?.timeIntervalSince1970 ?? 0
        let limit = query.limit ?? Int(Int32.max)
        let renderCount = RenderRows.renderColumns.count, videoCount = RenderRows.videoColumns.count
        let columns = RenderRows.renderColumns.map { "r.\($0)" } + RenderRows.videoColumns.map { "v.\($0)" }
        return try await rows("""
            SELECT \(unescaped: columns.joined(separator: ", ")), c.amount,
                   (SELECT string_agg(j.host || chr(9) || j.path, chr(10)) FROM jobs j WHERE j.render_id = r.id)
            FROM renders r LEFT JOIN videos v ON v.sha256 = r.video_sha256 LEFT JOIN charges c ON c.render_id = r.id
            WHERE r.state = ANY(\(states)) AND r.created_at >= \(since) ORDER BY r.id DESC LIMIT \(limit)
            """).map { row in
            let render = try Self.render(row)
            let video = try row[renderCount].decode(String?.self) == nil ? nil : try Self.video(row, from: renderCount)
            let jobs = try row[renderCount + videoCount + 1].decode(String?.self).map { text in
                text.split(separator: "\n").map { line -> String in
                    let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
                    return JobPlace(host: parts[0], path: parts.count > 1 ? parts[1] : "").description
                }
            } ?? []
            return LedgerListing(render: render, video: video, charged: try row[renderCount + videoCount].decode(Double?.self), jobs: jobs)
        }
    }

    public func spend(since: Date) async throws -> LedgerSpend {
        let row = try await rows("""
            SELECT (SELECT count(*) FROM charges WHERE at >= \(since.timeIntervalSince1970)),
                   (SELECT coalesce(sum(amount), 0) FROM charges WHERE at >= \(since.timeIntervalSince1970)),
                   (SELECT count(*) FROM renders WHERE state IN ('submitting', 'submitted', 'completed')),
                   (SELECT coalesce(sum(estimate_usd), 0) FROM renders WHERE state IN ('submitting', 'submitted', 'completed'))
            """).first
        return LedgerSpend(since: since, renders: try row?[0].decode(Int.self) ?? 0, charged: try row?[1].decode(Double.self) ?? 0,
                           inFlight: try row?[2].decode(Int.self) ?? 0, inFlightEstimate: try row?[3].decode(Double.self) ?? 0)
    }

    public func events(renderID: Int64) async throws -> [LedgerEvent] {
        try await rows("SELECT at, render_id, job, kind, message FROM events WHERE render_id = \(renderID) ORDER BY id").map { row in
            LedgerEvent(at: Date(timeIntervalSince1970: try row[0].decode(Double.self)), renderID: try row[1].decode(Int64?.self),
                        job: try row[2].decode(String?.self), kind: try row[3].decode(String.self), message: try row[4].decode(String.self))
        }
    }

    // MARK: - Pieces

    func reuse(_ render: LedgerRender, on connection: PostgresConnection) async throws -> Acquisition {
        guard let sha = render.videoSHA256, let video = try await rows("""
            SELECT \(unescaped: RenderRows.videoColumns.joined(separator: ", ")) FROM videos WHERE sha256 = \(sha)
            """, on: connection).first.map({ try Self.video($0, from: 0) }) else {
            throw LedgerError.notFound("render \(render.id) is marked rendered but its video is not in the ledger")
        }
        return .reuse(render, video)
    }

    func abandon(_ renders: [LedgerRender], by owner: LedgerOwner, on connection: PostgresConnection) async throws {
        for render in renders {
            try await connection.query("""
                UPDATE renders SET state = 'abandoned', lease_until = NULL, token = token + 1, updated_at = \(Self.now) WHERE id = \(render.id)
                """, logger: logger)
            let why = render.state == .submitting
                ? "its owner (\(render.ownerName)) died while submitting; given up by \(owner) with --force-new (a render may exist)"
                : "its owner (\(render.ownerName)) ended, and the built-in sandbox that served it with it"
            try await event(render.id, job: nil, kind: "abandoned", why, on: connection)
        }
    }

    func takeOver(_ render: LedgerRender, owner: LedgerOwner, on connection: PostgresConnection) async throws -> RenderClaim {
        try await connection.query("""
            UPDATE renders SET owner = \(owner.id), lease_until = \(leaseUntil), token = token + 1, updated_at = \(Self.now)
            WHERE id = \(render.id)
            """, logger: logger)
        if render.owner != owner.id {
            try await event(render.id, job: nil, kind: "taken-over", "\(owner) took over from \(render.ownerName) at \(render.state.rawValue)",
                            on: connection)
        }
        return RenderClaim(render: try await require(render.id, on: connection), owner: owner)
    }

    func insert(_ want: RenderWant, owner: LedgerOwner, on connection: PostgresConnection) async throws -> RenderClaim {
        let now = Self.now
        let inserted = try await rows("""
            INSERT INTO renders (render_key, endpoint, state, api, owner, lease_until, token, estimate_usd, created_at, updated_at)
            VALUES (\(want.renderKey), \(want.endpoint), 'claimed', \(want.api), \(owner.id), \(leaseUntil), 1, \(want.estimateUSD), \(now), \(now))
            RETURNING id
            """, on: connection)
        guard let id = try inserted.first?[0].decode(Int64.self) else { throw LedgerError.unusable("the claim was not recorded") }
        try await event(id, job: nil, kind: "claimed",
                        "\(owner) claimed key \(want.renderKey.prefix(16)) on \(want.endpoint)" + (want.forceNew ? " (--force-new)" : ""),
                        on: connection)
        return RenderClaim(render: try await require(id, on: connection), owner: owner)
    }

    /// A write by the claim's owner: `query` must end in `RETURNING id`; no row means the
    /// claim is no longer its own.
    func fenced(_ claim: RenderClaim, _ query: PostgresQuery, on connection: PostgresConnection) async throws -> RenderClaim {
        guard try await rows(query, on: connection).count == 1 else {
            let holder = try await fetch(claim.render.id, on: connection)
            throw LedgerError.leaseLost(renderID: claim.render.id, holder: holder?.ownerName)
        }
        return RenderClaim(render: try await require(claim.render.id, on: connection), owner: claim.owner)
    }

    func event(_ renderID: Int64?, job: String?, kind: String, _ message: String, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO events (at, render_id, job, kind, message) VALUES (\(Self.now), \(renderID), \(job), \(kind), \(message))
            """, logger: logger)
    }

    func fetch(_ id: Int64, on connection: PostgresConnection) async throws -> LedgerRender? {
        try await rows("\(unescaped: Self.selectRender) WHERE id = \(id)", on: connection).first.map { try Self.render($0) }
    }

    func require(_ id: Int64, on connection: PostgresConnection) async throws -> LedgerRender {
        guard let render = try await fetch(id, on: connection) else { throw LedgerError.notFound("the ledger has no render \(id)") }
        return render
    }

    func job(_ place: JobPlace, on connection: PostgresConnection) async throws -> LedgerJob? {
        try await rows("""
            SELECT host, path, render_id, render_key, owner, lease_until, created_at, updated_at FROM jobs
            WHERE host = \(place.host) AND path = \(place.path)
            """, on: connection).first.map { row in
            LedgerJob(host: try row[0].decode(String.self), path: try row[1].decode(String.self), renderID: try row[2].decode(Int64?.self),
                      renderKey: try row[3].decode(String?.self), owner: try row[4].decode(String?.self),
                      leaseUntil: try row[5].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                      createdAt: Date(timeIntervalSince1970: try row[6].decode(Double.self)),
                      updatedAt: Date(timeIntervalSince1970: try row[7].decode(Double.self)))
        }
    }

    func spend(_ batchID: String, on connection: PostgresConnection) async throws -> BatchSpend {
        let row = try await rows("""
            SELECT coalesce(sum(c.amount), 0),
                   coalesce(sum(CASE WHEN c.amount IS NULL AND r.state = ANY(\(Self.inFlight)) THEN b.reserved_usd ELSE 0 END), 0)
            FROM (SELECT DISTINCT render_id, reserved_usd FROM batch_rows WHERE batch_id = \(batchID) AND reserved_usd IS NOT NULL) b
            JOIN renders r ON r.id = b.render_id LEFT JOIN charges c ON c.render_id = r.id
            """, on: connection).first
        return BatchSpend(charged: try row?[0].decode(Double.self) ?? 0, reserved: try row?[1].decode(Double.self) ?? 0)
    }

    static func render(_ row: PostgresRandomAccessRow) throws -> LedgerRender {
        guard let state = RenderState(rawValue: try row[3].decode(String.self)) else {
            throw LedgerError.unusable("the ledger holds an unknown render state")
        }
        func date(_ index: Int) throws -> Date? { try row[index].decode(Double?.self).map(Date.init(timeIntervalSince1970:)) }
        return LedgerRender(id: try row[0].decode(Int64.self), renderKey: try row[1].decode(String.self), endpoint: try row[2].decode(String.self),
                            state: state, api: try row[4].decode(String.self), owner: try row[5].decode(String?.self), leaseUntil: try date(6),
                            token: try row[7].decode(Int64.self), requestID: try row[8].decode(String?.self),
                            statusURL: try row[9].decode(String?.self), responseURL: try row[10].decode(String?.self),
                            pollURL: try row[11].decode(String?.self), submitStartedAt: try date(12), submittedAt: try date(13),
                            outputURL: try row[14].decode(String?.self), partialPath: try row[15].decode(String?.self),
                            partialValidator: try row[16].decode(String?.self), videoSHA256: try row[17].decode(String?.self),
                            estimateUSD: try row[18].decode(Double?.self), creditsBefore: try row[19].decode(Double?.self),
                            error: try row[20].decode(String?.self), createdAt: try date(21) ?? Date(), updatedAt: try date(22) ?? Date())
    }

    static func video(_ row: PostgresRandomAccessRow, from first: Int) throws -> LedgerVideo {
        LedgerVideo(sha256: try row[first].decode(String.self), path: try row[first + 1].decode(String.self),
                    bytes: try row[first + 2].decode(Int64.self), duration: try row[first + 3].decode(Double?.self),
                    width: try row[first + 4].decode(Int?.self), height: try row[first + 5].decode(Int?.self),
                    videoCodec: try row[first + 6].decode(String?.self), audioCodec: try row[first + 7].decode(String?.self),
                    verifiedAt: Date(timeIntervalSince1970: try row[first + 8].decode(Double.self)))
    }
}
