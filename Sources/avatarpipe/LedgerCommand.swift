import ArgumentParser
import AvatarPipe
import Foundation

/// Which ledger: `--ledger`, else AVATARPIPE_LEDGER, else the state directory's.
struct LedgerOptions: ParsableArguments {
    @Option(name: .customLong("ledger"), help: ArgumentHelp("The ledger of claims, renders and charges: a SQLite file (default "
                                                            + "AVATARPIPE_LEDGER, else $XDG_STATE_HOME/avatarpipe/ledger.sqlite, else "
                                                            + "~/.local/state/avatarpipe/ledger.sqlite).", valueName: "PATH"))
    var ledger: String?

    func open() async throws -> any Ledger {
        let location = LedgerLocation.path(option: ledger)
        do {
            return try await LedgerLocation.open(location)
        } catch let error as LedgerError {
            throw UsageError(error.description)
        }
    }
}

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "What was claimed, submitted, paid and stored: renders, what is in flight, spend.",
        discussion: """
        Every render any avatarpipe run made or is making on this ledger, newest first: its \\
        state (claimed, submitting, submitted, completed, rendered, refused, failed, expired, \\
        abandoned), the endpoint, the request id, what it cost, when its result expires, and \\
        the job directories that use it.
        """,
        subcommands: [LedgerList.self, LedgerSpendCommand.self, LedgerShow.self, LedgerMigrate.self],
        defaultSubcommand: LedgerList.self
    )
}

extension RenderState: ExpressibleByArgument {}

struct LedgerList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List renders, newest first.")

    @Option(name: .customLong("state"), help: "Only renders in this state (repeat for several).") var states: [RenderState] = []
    @Flag(name: .customLong("in-flight"), help: "Only renders claimed or submitted and not yet stored.") var inFlight = false
    @Option(help: ArgumentHelp("Only renders created in the last N days.", valueName: "DAYS")) var days: Double?
    @Option(help: "At most this many.") var limit: Int?
    @Flag(help: "One JSON document on stdout.") var json = false
    @OptionGroup var ledger: LedgerOptions

    func validate() throws {
        if let days, !(days.isFinite && days > 0) { throw ValidationError("--days takes a number above 0") }
        if let limit, limit <= 0 { throw ValidationError("--limit takes a number above 0") }
    }

    mutating func run() async throws {
        let store = try await ledger.open()
        let states = inFlight ? RenderState.inFlight : (states.isEmpty ? nil : states)
        let query = LedgerQuery(states: states, since: days.map { Date().addingTimeInterval(-$0 * 86400) }, limit: limit)
        let rows = try await store.listing(query)
        if json {
            // {"ledger": "...", "renders": [...]}, written by hand: 10,000 renders in a few tens of ms.
            var writer = JSONWriter(reservingCapacity: rows.count * 1100)
            writer.beginObject()
            writer.field("ledger", store.location)
            writer.key("renders")
            writer.beginArray()
            for row in rows { row.write(to: &writer) }
            writer.endArray()
            writer.endObject()
            writer.write(toDescriptor: STDOUT_FILENO)
            return
        }
        guard !rows.isEmpty else {
            Terminal.out("no renders in \(store.location)" + (states == nil ? "" : " in that state"))
            return
        }
        Terminal.out(LedgerTable.lines(rows).joined(separator: "\n"))
    }
}

/// The ledger's JSON: its own snake_case keys, UTC timestamps to the second.
enum LedgerJSON {
    static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Format.timestamp(date))
        }
        return encoder
    }
}

struct LedgerSpendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spend", abstract: "What renders cost over the last days.")

    @Option(help: ArgumentHelp("The period, in days back from now.", valueName: "DAYS")) var days: Double = 7
    @Flag(help: "One JSON document on stdout.") var json = false
    @OptionGroup var ledger: LedgerOptions

    func validate() throws {
        guard days.isFinite, days > 0 else { throw ValidationError("--days takes a number above 0") }
    }

    mutating func run() async throws {
        let store = try await ledger.open()
        let spend = try await store.spend(since: Date().addingTimeInterval(-days * 86400))
        if json {
            Terminal.out(String(decoding: try LedgerJSON.encoder().encode(spend), as: UTF8.self))
            return
        }
        Terminal.out("\(Format.usd(spend.charged)) for \(spend.renders) render(s) since \(Format.timestamp(spend.since)); "
                     + "\(spend.inFlight) in flight (about \(Format.usd(spend.inFlightEstimate)) more)")
    }
}

struct LedgerShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One render: its row and its history.")

    @Argument(help: "The render's number (first column of `ledger list`).") var id: Int64
    @Flag(help: "One JSON document on stdout.") var json = false
    @OptionGroup var ledger: LedgerOptions

    mutating func run() async throws {
        let store = try await ledger.open()
        guard let render = try await store.render(id: id) else {
            throw UsageError("the ledger \(store.location) has no render \(id)")
        }
        let events = try await store.events(renderID: id)
        if json {
            struct Document: Encodable { var render: LedgerRender; var events: [LedgerEvent] }
            Terminal.out(String(decoding: try LedgerJSON.encoder().encode(Document(render: render, events: events)), as: UTF8.self))
            return
        }
        var lines = ["render \(render.id): \(render.state.rawValue) on \(render.endpoint)",
                     "key \(render.renderKey)", "owner \(render.ownerName)"]
        if let id = render.requestID { lines.append("request \(id)") }
        if let expires = render.expiresAt { lines.append("result kept until \(Format.timestamp(expires))") }
        if let error = render.error { lines.append("error: \(error)") }
        lines += events.map { "\(Format.timestamp($0.at))  \($0.kind): \($0.message)" }
        Terminal.out(lines.joined(separator: "\n"))
    }
}

struct LedgerMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate",
                                                    abstract: "Bring the ledger's schema up to date (every command does it when it opens one).")

    @OptionGroup var ledger: LedgerOptions

    mutating func run() async throws {
        let store = try await ledger.open()
        Terminal.out("\(store.location): schema up to date")
    }
}

/// The plain listing: one line per render.
enum LedgerTable {
    static func lines(_ rows: [LedgerListing], now: Date = Date()) -> [String] {
        var lines = ["     ID  STATE       ENDPOINT                        REQUEST                               COST     WHEN                  JOBS"]
        for row in rows {
            let render = row.render
            let cost = row.charged.map(Format.usd) ?? (render.state.isInFlight ? "~" + Format.usd(render.estimateUSD ?? 0) : "-")
            var when = Format.timestamp(render.createdAt)
            if render.state == .submitted || render.state == .completed, let expires = render.expiresAt {
                when = expires > now ? "expires in \(Format.seconds(expires.timeIntervalSince(now)))" : "expired"
            }
            let jobs = row.jobs.isEmpty ? "-" : row.jobs[0] + (row.jobs.count > 1 ? " (+\(row.jobs.count - 1))" : "")
            lines.append([pad(String(render.id), 7, right: true), pad(render.state.rawValue, 11), pad(render.endpoint, 31),
                          pad(render.requestID ?? "-", 37), pad(cost, 8), pad(when, 21), jobs].joined(separator: " "))
        }
        return lines
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let space = String(repeating: " ", count: width - text.count)
        return right ? space + text : text + space
    }
}
