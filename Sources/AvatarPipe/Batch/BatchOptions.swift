import Foundation

/// How a batch runs; kept in the ledger with the batch, so `batch resume` goes on as started.
public struct BatchOptions: Codable, Sendable, Equatable {
    /// Renders in flight at once.
    public var concurrency = 3
    /// The most the batch may spend, reserved in the ledger before each submit.
    public var maxTotalUSD: Double?
    /// Render the rows that pass; leave the blocked ones out.
    public var skipBlocked = false
    /// Render this many rows first and stop for approval; nil: production at once.
    public var sample: Int?
    /// `--set key=value` defaults for every row.
    public var defaults: [String: String] = [:]
    public var api = "v2"
    /// Make the web files of every rendered row.
    public var post = true
    /// Stop submitting after this many failed renders in a row.
    public var maxFailuresInARow = 5
    public var pricePerCallUSD: Double?
    /// The first status poll (seconds); later ones back off.
    public var pollInterval = 2.0
    /// How long to wait for one render (minutes).
    public var waitTimeout = 20.0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case concurrency, sample, defaults, api, post
        case maxTotalUSD = "max_total_usd", skipBlocked = "skip_blocked", maxFailuresInARow = "max_failures_in_a_row"
        case pricePerCallUSD = "price_per_call_usd", pollInterval = "poll_interval", waitTimeout = "wait_timeout"
    }

    func encoded() -> String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decoded(_ text: String) -> BatchOptions {
        (try? JSONDecoder().decode(BatchOptions.self, from: Data(text.utf8))) ?? BatchOptions()
    }
}

/// A batch's directory: the files it writes, and one job directory per row.
public struct BatchDirectory: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    public func row(_ id: String) -> String { "\(path)/rows/\(id)" }
    public var json: String { "\(path)/batch.json" }
    public var csv: String { "\(path)/batch.csv" }
    public var page: String { "\(path)/index.html" }
}
