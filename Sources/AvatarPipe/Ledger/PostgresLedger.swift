import Foundation
import Logging
import PostgresNIO

/// The ledger in PostgreSQL, for processes on many machines (postgres-nio's pooled client).
/// The same rows and the same decisions (`ClaimRules`) as `SQLiteLedger`: what SQLite gets
/// from `BEGIN IMMEDIATE`, this gets from a transaction-scoped advisory lock on the render
/// key (or the job, or the batch) taken before anything is read.
public final class PostgresLedger: Ledger {
    public let lease: Duration
    public let location: String
    public let storeDirectory: String
    let client: PostgresClient
    private let running: Task<Void, Never>
    let logger = Logger(label: "avatarpipe.ledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Connects (the pool runs in the background) and applies the migrations not yet applied.
    public init(url: String, storeDirectory: String, lease: Duration = .seconds(30)) async throws {
        let target = try PostgresTarget(url)
        self.lease = lease
        self.location = target.redacted
        self.storeDirectory = storeDirectory
        var configuration = PostgresClient.Configuration(host: target.host, port: target.port, username: target.user,
                                                         password: target.password, database: target.database, tls: .disable)
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration)
        self.client = client
        running = Task { await client.run() }
        do {
            try await migrate()
        } catch {
            running.cancel()
            throw LedgerError.unusable("the ledger \(target.redacted) cannot be opened: \(PostgresLedger.describe(error))")
        }
    }

    deinit {
        running.cancel()
    }

    // MARK: - Schema

    static let steps: [String] = [
        """
        CREATE TABLE renders (
            id BIGSERIAL PRIMARY KEY, render_key TEXT NOT NULL, endpoint TEXT NOT NULL, state TEXT NOT NULL, api TEXT NOT NULL,
            owner TEXT, lease_until DOUBLE PRECISION, token BIGINT NOT NULL DEFAULT 1, request_id TEXT, status_url TEXT,
            response_url TEXT, poll_url TEXT, submit_started_at DOUBLE PRECISION, submitted_at DOUBLE PRECISION, output_url TEXT,
            partial_path TEXT, partial_validator TEXT, video_sha256 TEXT, estimate_usd DOUBLE PRECISION,
            credits_before DOUBLE PRECISION, error TEXT, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL);
        CREATE UNIQUE INDEX renders_one_submitter ON renders(render_key, endpoint) WHERE state IN ('claimed', 'submitting');
        CREATE INDEX renders_by_key ON renders(render_key, endpoint, state);
        CREATE INDEX renders_by_state ON renders(state);
        CREATE UNIQUE INDEX renders_by_request ON renders(endpoint, request_id) WHERE request_id IS NOT NULL;
        CREATE TABLE videos (
            sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, bytes BIGINT NOT NULL, duration DOUBLE PRECISION, width INTEGER,
            height INTEGER, video_codec TEXT, audio_codec TEXT, verified_at DOUBLE PRECISION NOT NULL, host TEXT);
        CREATE TABLE charges (
            id BIGSERIAL PRIMARY KEY, render_id BIGINT NOT NULL REFERENCES renders(id), at DOUBLE PRECISION NOT NULL,
            amount DOUBLE PRECISION NOT NULL, measured BOOLEAN NOT NULL, credits_before DOUBLE PRECISION,
            credits_after DOUBLE PRECISION, UNIQUE (render_id));
        CREATE INDEX charges_by_time ON charges(at);
        CREATE TABLE jobs (
            host TEXT NOT NULL, path TEXT NOT NULL, render_id BIGINT REFERENCES renders(id), render_key TEXT, owner TEXT,
            lease_until DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (host, path));
        CREATE INDEX jobs_by_render ON jobs(render_id);
        CREATE TABLE events (
            id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, render_id BIGINT, job TEXT, kind TEXT NOT NULL,
            message TEXT NOT NULL);
        CREATE INDEX events_by_render ON events(render_id);
        CREATE TABLE batches (
            id TEXT PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, plan TEXT NOT NULL, state TEXT NOT NULL,
            max_total DOUBLE PRECISION, options TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL, UNIQUE (host, path));
        CREATE TABLE batch_rows (
            batch_id TEXT NOT NULL REFERENCES batches(id), row_id TEXT NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL,
            verdict TEXT, finding TEXT, render_key TEXT, estimate_usd DOUBLE PRECISION, sample BOOLEAN NOT NULL DEFAULT FALSE,
            reserved_usd DOUBLE PRECISION, render_id BIGINT REFERENCES renders(id), error TEXT, job_path TEXT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (batch_id, row_id));
        CREATE INDEX batch_rows_by_render ON batch_rows(render_id);
        """,
    ]

    /// Versioned steps, each applied once, under an advisory lock so two processes starting
    /// on a new database take turns.
    func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(726371)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS avatarpipe_schema (version INTEGER NOT NULL)", logger: logger)
            var version = 0
            for try await (value) in try await connection.query("SELECT version FROM avatarpipe_schema", logger: logger).decode(Int.self) {
                version = value
            }
            if version > PostgresLedger.steps.count {
                throw LedgerError.unusable("the ledger was written by a newer avatarpipe (schema \(version), this one knows \(PostgresLedger.steps.count))")
            }
            for step in PostgresLedger.steps.dropFirst(version) {
                // One statement per query: the extended protocol takes no more.
                for statement in step.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            try await connection.query("DELETE FROM avatarpipe_schema", logger: logger)
            try await connection.query("INSERT INTO avatarpipe_schema (version) VALUES (\(PostgresLedger.steps.count))", logger: logger)
        }
    }

    // MARK: - Running SQL

    /// One transaction; `lock` names what it decides about (an advisory lock held to its end).
    func transaction<T: Sendable>(locking lock: String? = nil, _ work: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                if let lock { try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))", logger: logger) }
                return try await work(connection)
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.unusable("the ledger \(location) could not be written: \(PostgresLedger.describe(error))")
        }
    }

    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        do {
            return try await client.withConnection { connection in try await rows(query, on: connection) }
        } catch {
            throw LedgerError.unusable("the ledger \(location) could not be read: \(PostgresLedger.describe(error))")
        }
    }

    /// The server's own message, or the connection's failure: not the whole error value.
    static func describe(_ error: Error) -> String {
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError { return describe(inner) }
            if let inner = error.beginError { return describe(inner) }
            if let inner = error.commitError { return describe(inner) }
            return "the transaction failed"
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
        if let error = error as? LedgerError { return error.description }
        return "\(error)"
    }

    static var now: Double { Date().timeIntervalSince1970 }
    var leaseUntil: Double { PostgresLedger.now + lease.seconds }
}

/// `postgres://user[:password]@host[:port]/database`.
struct PostgresTarget {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String

    init(_ url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw LedgerError.unusable("\(url) is not a postgres://user@host:port/database URL")
        }
        user = components.user ?? "postgres"
        password = components.password
        self.host = host
        port = components.port ?? 5432
        let name = String(components.path.drop { $0 == "/" })
        database = name.isEmpty ? user : name
    }

    /// The URL without its password: safe for messages and job.json.
    var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
