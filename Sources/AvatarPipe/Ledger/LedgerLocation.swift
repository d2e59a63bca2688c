import Foundation

/// Which ledger a command uses: `--ledger`, else `AVATARPIPE_LEDGER`, else
/// `$XDG_STATE_HOME/avatarpipe/ledger.sqlite`, else `~/.local/state/avatarpipe/ledger.sqlite`.
/// The stored renders live beside it.
public enum LedgerLocation {
    public static func path(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let explicit = environment["AVATARPIPE_LEDGER"], !explicit.isEmpty { return explicit }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.local/state"
        return "\(state)/avatarpipe/ledger.sqlite"
    }

    /// Opens the ledger a location names.
    public static func open(_ location: String) throws -> any Ledger {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            throw LedgerError.unusable("a PostgreSQL ledger (\(location.split(separator: "@").last ?? "")) is not available in this "
                                       + "build yet; use a SQLite file")
        }
        let path = location.hasPrefix("sqlite://") ? String(location.dropFirst("sqlite://".count)) : location
        return try SQLiteLedger(path: path)
    }
}
