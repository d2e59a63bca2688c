import Foundation

/// A batch as `batch.json`, `batch.csv`, `batch status` and the gallery show it: made from
/// the ledger alone, so any process can write it and all write the same.
public struct BatchReport: Codable, Sendable {
    public var batch: String
    public var directory: String
    public var plan: String
    public var state: BatchState
    public var options: BatchOptions
    public var totals: BatchTotals
    public var spend: BatchSpend
    public var rows: [Row]

    public struct Row: Codable, Sendable {
        public var id: String
        public var position: Int
        public var state: BatchRowState
        public var verdict: String?
        public var finding: String?
        public var sample: Bool
        public var renderKey: String?
        public var estimateUSD: Double?
        public var renderID: Int64?
        public var requestID: String?
        /// What this row's render cost this batch: its charge for the row that submitted it,
        /// 0 for a row that reused a render.
        public var costUSD: Double?
        public var error: String?
        /// Paths relative to the batch directory of what exists: render, video, poster, captions, page, preflight.
        public var files: [String: String]

        enum CodingKeys: String, CodingKey {
            case id, position, state, verdict, finding, sample, error, files
            case renderKey = "render_key", estimateUSD = "estimate_usd", renderID = "render_id", requestID = "request_id"
            case costUSD = "cost_usd"
        }
    }

    enum CodingKeys: String, CodingKey {
        case batch, directory, plan, state, options, totals, spend, rows
    }

    /// Reads everything from the ledger (and what exists in the rows' directories).
    public static func make(_ batch: LedgerBatch, ledger: any Ledger) async throws -> BatchReport {
        let rows = try await ledger.batchRows(batch.id)
        let options = BatchOptions.decoded(batch.options)
        var reported: [Row] = []
        reported.reserveCapacity(rows.count)
        for row in rows {
            var render: LedgerRender?
            var cost: Double?
            if let id = row.renderID {
                render = try await ledger.render(id: id)
                cost = row.reservedUSD != nil ? try await ledger.charge(renderID: id)?.amount : (render?.state == .rendered ? 0 : nil)
            }
            reported.append(Row(id: row.rowID, position: row.position, state: row.state, verdict: row.verdict, finding: row.finding,
                                sample: row.sample, renderKey: row.renderKey, estimateUSD: row.estimateUSD, renderID: row.renderID,
                                requestID: render?.requestID, costUSD: cost, error: row.error,
                                files: files(of: row.rowID, jobPath: row.jobPath)))
        }
        return BatchReport(batch: batch.id, directory: batch.path, plan: batch.plan, state: batch.state, options: options,
                           totals: BatchTotals(rows, concurrency: options.concurrency),
                           spend: try await ledger.batchSpend(batch.id), rows: reported)
    }

    static func files(of id: String, jobPath: String) -> [String: String] {
        var found: [String: String] = [:]
        let candidates: [(String, [String])] = [
            ("render", [RenderRunner.renderFile]), ("video", ["video-720p.mp4", "video-1080p.mp4", "video-480p.mp4", "video-180p.mp4"]),
            ("poster", ["poster.png", "poster.jpg"]), ("captions", ["captions.vtt"]), ("page", ["index.html"]),
            ("preflight", ["preflight.png"]),
        ]
        for (role, names) in candidates {
            if let name = names.first(where: { FileManager.default.fileExists(atPath: jobPath + "/" + $0) }) {
                found[role] = "rows/\(id)/\(name)"
            }
        }
        return found
    }

    /// `batch.json`, `batch.csv` and `index.html`, each written whole or not at all.
    public func write(to directory: BatchDirectory) throws {
        try JobFilesystem.write(try JobFilesystem.encoder().encode(self), to: directory.json)
        try JobFilesystem.write(Data(csv().utf8), to: directory.csv)
        try JobFilesystem.write(Data(BatchPage.html(self).utf8), to: directory.page)
    }

    public func csv() -> String {
        var lines = ["id,position,state,verdict,finding,sample,request_id,cost_usd,render_key,error,render,video,poster,page"]
        for row in rows {
            let fields: [String] = [row.id, String(row.position), row.state.rawValue, row.verdict ?? "", row.finding ?? "",
                                    row.sample ? "yes" : "", row.requestID ?? "", row.costUSD.map { String(format: "%.3f", $0) } ?? "",
                                    row.renderKey ?? "", row.error ?? "", row.files["render"] ?? "", row.files["video"] ?? "",
                                    row.files["poster"] ?? "", row.files["page"] ?? ""]
            lines.append(fields.map(BatchReport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The counts of a batch: what the dry run found, and where production stands.
public struct BatchTotals: Codable, Sendable, Equatable {
    public var rows: Int
    public var ready: Int
    public var blocked: Int
    public var unreadable: Int
    /// Distinct render keys among the rows that can be rendered: what would be paid for.
    public var renders: Int
    /// Rows that share a render with an earlier row (collapsed: paid once).
    public var duplicates: Int
    public var estimatedUSD: Double
    /// At the typical render time, `concurrency` at a time.
    public var estimatedSeconds: Double
    public var inFlight: Int
    public var rendered: Int
    public var posted: Int
    public var failed: Int
    public var held: Int
    public var maybeSubmitted: Int

    enum CodingKeys: String, CodingKey {
        case rows, ready, blocked, unreadable, renders, duplicates, rendered, posted, failed, held
        case estimatedUSD = "estimated_usd", estimatedSeconds = "estimated_seconds", inFlight = "in_flight"
        case maybeSubmitted = "maybe_submitted"
    }

    public init(_ rows: [LedgerBatchRow], concurrency: Int) {
        func count(_ states: BatchRowState...) -> Int { rows.filter { states.contains($0.state) }.count }
        let renderable = rows.filter { ![.blocked, .unreadable].contains($0.state) && $0.renderKey != nil }
        var firstOfKey: [String: Double] = [:]
        for row in renderable where firstOfKey[row.renderKey ?? ""] == nil {
            firstOfKey[row.renderKey ?? ""] = row.estimateUSD ?? ServiceLimits.defaultPricePerCallUSD
        }
        self.rows = rows.count
        blocked = count(.blocked)
        unreadable = count(.unreadable)
        ready = renderable.count
        renders = firstOfKey.count
        duplicates = renderable.count - firstOfKey.count
        estimatedUSD = firstOfKey.values.reduce(0, +)
        let waves = (Double(firstOfKey.count) / Double(max(1, concurrency))).rounded(.up)
        estimatedSeconds = waves * ServiceLimits.typicalRenderSeconds
        inFlight = count(.rendering)
        rendered = count(.rendered, .posted)
        posted = count(.posted)
        failed = count(.failed)
        held = count(.held)
        maybeSubmitted = count(.maybeSubmitted)
    }
}
