import AvatarPipe
import Foundation
import GRDB

// ledger-bench DIR [N]: times the ledger's money path on DIR/ledger.sqlite, N renders through
// the public API (claim, submitting, the answer, the commit), then copies them in SQL until
// the ledger holds 10,000 renders, for `avatarpipe ledger` to list. Prints one JSON line.

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: ledger-bench DIR [N]\n".utf8))
    exit(2)
}
let path = arguments[1] + "/ledger.sqlite"
let count = arguments.count > 2 ? Int(arguments[2]) ?? 500 : 500
try? FileManager.default.removeItem(atPath: path)
let ledger = try SQLiteLedger(path: path)
let clock = ContinuousClock()

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

var claims: [Double] = [], submits: [Double] = [], answers: [Double] = [], commits: [Double] = []
for index in 0..<count {
    let owner = LedgerOwner.make()
    let want = RenderWant(renderKey: "bench-\(index)", endpoint: "https://api.segmind.com", api: "v2", estimateUSD: 2.216, forceNew: false)
    var start = clock.now
    guard case .owned(var claim) = try await ledger.acquire(want, owner: owner) else { fatalError("no claim") }
    claims.append(milliseconds(clock.now - start))
    start = clock.now
    claim = try await ledger.update(claim, .submitting)
    submits.append(milliseconds(clock.now - start))
    start = clock.now
    let id = UUID().uuidString.lowercased()
    claim = try await ledger.recordSubmission(claim, Submission(requestID: id, statusURL: "https://api.segmind.com/v2/requests/\(id)/status",
                                                                responseURL: "https://api.segmind.com/v2/requests/\(id)", pollURL: nil,
                                                                submittedAt: Date()))
    answers.append(milliseconds(clock.now - start))
    start = clock.now
    let sha = String(format: "%064x", index)
    let video = LedgerVideo(sha256: sha, path: "renders/\(sha).mp4", bytes: 1_000_000, duration: 12, width: 1280, height: 720,
                            videoCodec: "h264", audioCodec: "aac", verifiedAt: Date())
    _ = try await ledger.recordRendered(claim, video: video, charge: LedgerCharge(renderID: claim.render.id, at: Date(), amount: 2.216,
                                                                                 measured: true, creditsBefore: 100, creditsAfter: 97.784))
    commits.append(milliseconds(clock.now - start))
    try await ledger.release(owner: owner)
}

// Up to 10,000 renders (with their charges), copied in SQL: the listing's benchmark.
let copies = max(0, 10_000 / count - 1)
let database = try DatabaseQueue(path: path)
try await database.write { db in
    try db.execute(sql: """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(copies))
        INSERT INTO renders (render_key, endpoint, state, api, owner, token, request_id, status_url, response_url, submitted_at,
                             video_sha256, estimate_usd, credits_before, created_at, updated_at)
        SELECT r.render_key || '-' || n.i, r.endpoint, r.state, r.api, r.owner, r.token, r.request_id || '-' || n.i, r.status_url,
               r.response_url, r.submitted_at, r.video_sha256, r.estimate_usd, r.credits_before, r.created_at, r.updated_at
        FROM renders r, n;
        INSERT INTO charges (render_id, at, amount, measured, credits_before, credits_after)
        SELECT id, created_at, 2.216, 1, 100, 97.784 FROM renders WHERE id NOT IN (SELECT render_id FROM charges);
        """)
}
let total = try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM renders") ?? 0 }

func summary(_ values: [Double]) -> [String: Double] {
    let sorted = values.sorted()
    return ["mean_ms": sorted.reduce(0, +) / Double(max(1, sorted.count)), "p50_ms": sorted[sorted.count / 2],
            "p95_ms": sorted[min(sorted.count - 1, sorted.count * 95 / 100)]]
}
let claimAndCommit = zip(zip(claims, submits), zip(answers, commits)).map { $0.0 + $0.1 + $1.0 + $1.1 }
let report: [String: Any] = ["renders_timed": count, "renders_total": total, "claim": summary(claims), "submitting": summary(submits),
                             "answer": summary(answers), "commit": summary(commits), "claim_to_commit": summary(claimAndCommit)]
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
