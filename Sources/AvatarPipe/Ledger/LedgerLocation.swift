import Foundation

/// Which ledger a command uses: `--ledger`, else `AVATARPIPE_LEDGER`, else
/// `$XDG_STATE_HOME/avatarpipe/ledger.sqlite`, else `~/.local/state/avatarpipe/ledger.sqlite`;
/// `postgres://user@host:port/database` for one shared by many machines. The stored renders
/// live beside a SQLite file, or in this machine's state directory.
public enum LedgerLocation {
    public static func path(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let explicit = environment["AVATARPIPE_LEDGER"], !explicit.isEmpty { return explicit }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.local/state"
        return "\(state)/avatarpipe/ledger.sqlite"
    }

    /// Opens the ledger a location names: `postgres://user@host:port/db`, or a SQLite file.
    public static func open(_ location: String, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> any Ledger {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await PostgresLedger(url: location, storeDirectory: storeDirectory(environment: environment))
        }
        let path = location.hasPrefix("sqlite://") ? String(location.dropFirst("sqlite://".count)) : location
        return try SQLiteLedger(path: path)
    }

    /// Where this machine keeps stored renders and partial downloads for a PostgreSQL ledger
    /// (a SQLite ledger keeps them beside its file): `AVATARPIPE_STORE`, else the state directory.
    public static func storeDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["AVATARPIPE_STORE"], !explicit.isEmpty { return explicit }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.local/state"
        return "\(state)/avatarpipe"
    }
}
