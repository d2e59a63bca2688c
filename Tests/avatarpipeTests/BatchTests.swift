import AvatarHTTP
import Foundation
import Synchronization
import Testing
import TestSupport

/// `avatarpipe batch` against the sandbox (tiny renders), real processes, the ledger on disk.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BatchTests {
    /// A plan of `distinct` renders (motion prompts tell them apart) plus `duplicates` rows that
    /// repeat earlier ones, plus `bad` rows: a missing photo, a photo without a face, 11 minutes of audio.
    static func plan(in directory: TemporaryDirectory, distinct: Int, duplicates: Int = 0, bad: Bool = false) -> String {
        let speech = Fixtures.generated("speech-2.5s.wav")
        var lines = ["id,photo,audio,orientation,fit,motion"]
        for index in 1...distinct {
            let orientation = index % 3 == 0 ? "portrait" : "landscape"
            lines.append("r\(index),\(Fixtures.photo),\(speech),\(orientation),contain,move \(index)")
        }
        for index in 0..<duplicates {
            let of = index + 1
            lines.append("dup\(of),\(Fixtures.photo),\(speech),\(of % 3 == 0 ? "portrait" : "landscape"),contain,move \(of)")
        }
        if bad {
            lines.append("missing,no-such-photo.png,\(speech),landscape,contain,x")
            lines.append("noface,\(Fixtures.generated("black.png")),\(speech),landscape,contain,y")
            lines.append("long,\(Fixtures.photo),\(Fixtures.generated("speech-11min.wav")),landscape,contain,z")
        }
        let path = directory.file("plan.csv")
        FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        return path
    }

    static func report(_ directory: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: FileManager.default.contents(atPath: directory + "/batch.json") ?? Data())) as? [String: Any] ?? [:]
    }

    static func rows(_ directory: String) -> [[String: Any]] { report(directory)["rows"] as? [[String: Any]] ?? [] }

    static func states(_ directory: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: rows(directory).compactMap { row in
            (row["id"] as? String).map { ($0, row["state"] as? String ?? "") }
        })
    }

    func batch(_ bench: MoneyBench, _ plan: String, _ out: String, _ extra: [String]) -> [String] {
        ["batch", plan, "--out", out] + bench.service() + extra
    }

    /// `batch resume` or `approve`: the options (the poll interval among them) come from the ledger.
    func again(_ bench: MoneyBench, _ verb: String, _ out: String) -> [String] {
        ["batch", verb, out, "--api-base", bench.sandbox.baseURL, "--key-file", bench.keyFile(bench.sandbox)]
    }

    /// Waits for `count` requests at the sandbox's gate, or fails if `process` ends first.
    func held(_ bench: MoneyBench, _ gate: String, count: Int, by process: CLIProcess) async throws {
        // Whichever comes first answers; the other is left to finish on its own.
        let reached = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let first = FirstAnswer(continuation)
            Task { first.answer((try? await bench.sandbox.held(gate, count: count)) != nil) }
            Task { _ = await process.wait(); first.answer(false) }
        }
        guard reached else { throw SetupFailure(description: "the batch ended before \(count) jobs reached the \(gate) gate: \(process.stderr)") }
    }

    /// The issue's 40 rows: 32 renders, 5 duplicates, 3 bad rows. The dry run finds exactly
    /// those; production pays once per render, never more than 3 in flight.
    @Test func fortyRowsCheckedThenProducedOncePerRender() async throws {
        let bench = try await MoneyBench.start(["--latency", "0.1", "--resolution", "180p", "--memo"])
        defer { bench.stop() }
        let plan = Self.plan(in: bench.state, distinct: 32, duplicates: 5, bad: true)
        let out = bench.state.file("batch")
        let dry = await bench.cli(batch(bench, plan, out, ["--dry-run"]))
        #expect(dry.status == 3, "\(dry.stderr)")
        let totals = try #require(Self.report(out)["totals"] as? [String: Any])
        #expect(totals["rows"] as? Int == 40)
        #expect(totals["renders"] as? Int == 32)
        #expect(totals["duplicates"] as? Int == 5)
        let states = Self.states(out)
        #expect(states.filter { $0.value == "unreadable" || $0.value == "blocked" }.keys.sorted() == ["long", "missing", "noface"])
        #expect(try await bench.sandbox.counts() == (0, 0))
        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(page.components(separatedBy: "<article").count - 1 == 40)

        let produced = await bench.cli(batch(bench, plan, out, ["--skip-blocked", "--no-sample", "--no-post", "--concurrency", "3"]))
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(try await bench.sandbox.counts() == (32, 32))
        let done = Self.states(out).filter { $0.value == "rendered" }
        #expect(done.count == 37)
        for id in done.keys { #expect(FileManager.default.fileExists(atPath: out + "/rows/\(id)/render.mp4"), "\(id)") }
        #expect(try await maxInFlight(bench.sandbox) <= 3)
        let csv = try String(contentsOfFile: out + "/batch.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 41)
    }

    /// The most jobs the sandbox held at once (from each job's QUEUED and last status times).
    func maxInFlight(_ sandbox: SandboxProcess) async throws -> Int {
        let ledger = try await sandbox.ledger()
        var edges: [(Double, Int)] = []
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for submission in (ledger["submissions"] as? [[String: Any]]) ?? [] {
            let history = (submission["history"] as? [[String: Any]]) ?? []
            let times = history.compactMap { ($0["at"] as? String).flatMap { formatter.date(from: $0) ?? ISO8601DateFormatter().date(from: $0) } }
            guard let first = times.first, let last = times.last else { continue }
            edges.append((first.timeIntervalSince1970, 1))
            edges.append((last.timeIntervalSince1970, -1))
        }
        var now = 0, peak = 0
        for edge in edges.sorted(by: { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }) {
            now += edge.1
            peak = max(peak, now)
        }
        return peak
    }

    /// A burst of 429s is waited out by the whole batch, not retried into.
    @Test func aBurstOf429sIsWaitedOut() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        try await bench.control(["fail_submits": ["count": 3, "status": 429, "retry_after": 1]])
        let plan = Self.plan(in: bench.state, distinct: 6)
        let out = bench.state.file("batch")
        let result = await bench.cli(batch(bench, plan, out, ["--no-sample", "--no-post", "--concurrency", "3"]))
        #expect(result.status == 0, "\(result.stderr)")
        let ledger = try await bench.sandbox.ledger()
        #expect((ledger["rejected"] as? [Any])?.count == 3)
        #expect(try await bench.sandbox.counts() == (6, 6))
    }

    /// --max-total is reserved before each submit: reached mid-batch, submits stop, no overspend.
    @Test func theBudgetIsNeverExceeded() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let plan = Self.plan(in: bench.state, distinct: 8)
        let out = bench.state.file("batch")
        let result = await bench.cli(batch(bench, plan, out, ["--no-sample", "--no-post", "--concurrency", "3", "--max-total", "10"]))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("budget") || result.stderr.contains("cap"), "\(result.stderr)")
        let counts = try await bench.sandbox.counts()
        #expect(counts == (4, 4))
        let spent = (Self.report(out)["spend"] as? [String: Any])?["charged"] as? Double ?? 99
        #expect(spent <= 10)
        #expect(Self.states(out).values.filter { $0 == "held" }.count == 4)
    }

    /// kill -9 with renders in flight, twice, then `batch resume` (twice at once, the second
    /// time): every row done, exactly one charge per render key.
    @Test func killedMidBatchThenResumedTwiceAtOncePaysOncePerKey() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let plan = Self.plan(in: bench.state, distinct: 9, duplicates: 2)
        let out = bench.state.file("batch")
        try await bench.control(["hold": ["jobs"]])
        let first = try bench.start(batch(bench, plan, out, ["--no-sample", "--no-post", "--concurrency", "3"]))
        try await held(bench, "jobs", count: 3, by: first)
        await first.killHard()
        try await bench.control(["release": ["jobs"]])
        try await bench.control(["hold": ["jobs"]])
        // The three in flight finish and three more are submitted (held at the gate): kill again.
        let second = try bench.start(again(bench, "resume", out))
        try await held(bench, "jobs", count: 6, by: second)
        await second.killHard()
        try await bench.control(["release": ["jobs"]])
        let third = try bench.start(again(bench, "resume", out))
        let fourth = try bench.start(again(bench, "resume", out))
        let statuses = [await third.wait(), await fourth.wait()]
        #expect(statuses == [0, 0], "\(third.stderr)\n\(fourth.stderr)")
        #expect(try await bench.sandbox.counts() == (9, 9))
        #expect(Self.states(out).values.allSatisfy { $0 == "rendered" }, "\(Self.states(out))")
        let status = await bench.cli(["batch", "status", out])
        #expect(status.status == 0)
        #expect(status.stdout.contains("11 rows"))
    }

    /// --sample renders a spread of rows and stops; approve renders the rest. The gallery
    /// plays in a real browser.
    @Test func aSampleThenApprovalAndAGalleryThatPlays() async throws {
        let bench = try await MoneyBench.start()
        defer { bench.stop() }
        let plan = Self.plan(in: bench.state, distinct: 4)
        let out = bench.state.file("batch")
        let sampled = await bench.cli(batch(bench, plan, out, ["--sample", "2"]))
        #expect(sampled.status == 0, "\(sampled.stderr)")
        #expect(sampled.stderr.contains("batch approve"))
        let samples = Self.rows(out).filter { $0["sample"] as? Bool == true }
        #expect(samples.count == 2)
        // Both orientations are in the sample (r3 is the first portrait row).
        #expect(Set(samples.compactMap { $0["id"] as? String }) == ["r1", "r3"])
        #expect(samples.allSatisfy { $0["state"] as? String == "posted" })
        #expect(try await bench.sandbox.counts() == (2, 2))
        let approved = await bench.cli(again(bench, "approve", out))
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(Self.states(out).values.allSatisfy { $0 == "posted" })
        #expect(try await bench.sandbox.counts() == (4, 4))
        let check = await Shell.run("/usr/bin/python3", [Fixtures.root.appendingPathComponent("scripts/check-page.py").path, out, "--gallery"])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
    }

    @Test(arguments: [
        ("id,photo\nx,a.png\n", "neither audio nor script"),
        ("id,photo,audio,colour\nx,a.png,b.wav,red\n", "unknown column"),
        ("audio\nb.wav\n", "no photo column"),
    ])
    func badPlansAreRefused(text: String, words: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("plan.csv")
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        let result = CLI.run(["batch", path, "--out", directory.file("out"), "--dry-run"],
                             environment: ["AVATARPIPE_LEDGER": directory.file("ledger.sqlite")])
        if words == "neither audio nor script" {
            // A row that cannot be read is that row's finding, not the batch's end.
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stdout.contains(words))
        } else {
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains(words), "\(result.stderr)")
        }
    }
}

/// Resumes a continuation once, with the first answer given.
final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>

    init(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation = Mutex(continuation)
    }

    func answer(_ value: Bool) {
        continuation.withLock { pending in
            pending?.resume(returning: value)
            pending = nil
        }
    }
}
