import Foundation

/// Who holds a claim or a job directory: a machine, that machine's boot, a pid, the moment
/// that process started, and a session (one per run, so that two runs in one process are two
/// owners). On the same machine and boot, a process that is gone (or whose pid now belongs to
/// a later process) is known dead at once; elsewhere, only the lease's expiry says so.
public struct LedgerOwner: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var bootID: String
    public var pid: Int32
    /// Start time in clock ticks since boot (`/proc/PID/stat`, field 22): with the pid, a
    /// name no later process can take.
    public var startTicks: UInt64
    public var session: String

    public init(host: String, bootID: String, pid: Int32, startTicks: UInt64, session: String) {
        self.host = host
        self.bootID = bootID
        self.pid = pid
        self.startTicks = startTicks
        self.session = session
    }

    /// A new owner in this process.
    public static func make() -> LedgerOwner {
        let pid = getpid()
        return LedgerOwner(host: ProcessIdentity.hostName, bootID: ProcessIdentity.bootID, pid: pid,
                           startTicks: ProcessIdentity.startTicks(of: pid) ?? 0,
                           session: String(UInt32.random(in: 0...UInt32.max), radix: 16))
    }

    /// This machine's name.
    public static var thisHost: String { ProcessIdentity.hostName }

    /// The form stored in the ledger: `host/boot/pid/start/session`.
    public var id: String { "\(host)/\(bootID)/\(pid)/\(startTicks)/\(session)" }

    public init?(id: String) {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, let pid = Int32(parts[2]), let start = UInt64(parts[3]) else { return nil }
        self.init(host: String(parts[0]), bootID: String(parts[1]), pid: pid, startTicks: start, session: String(parts[4]))
    }

    public var description: String { "process \(pid) on \(host)" }

    /// True when this owner ran on this machine in this boot and is no longer running.
    public var isKnownGone: Bool {
        guard host == ProcessIdentity.hostName, bootID == ProcessIdentity.bootID else { return false }
        guard let ticks = ProcessIdentity.startTicks(of: pid) else { return true }
        return ticks != startTicks
    }
}

enum ProcessIdentity {
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }()

    static let bootID: String = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "unknown-boot" : trimmed
    }()

    /// Field 22 of `/proc/PID/stat`, read after the command name (which may hold spaces and
    /// parentheses); nil when there is no such process.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
