import Foundation

/// Blocking work (a child process, a pipe read) on a thread of its own. Swift's cooperative
/// pool has one thread per core: a test that blocks one of them for a child's whole run
/// starves every other test's awaits (seen: a ledger test's 30 s lease running out while it
/// waited to be resumed).
public enum OffPool {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Starts `work` on a thread of its own and returns at once.
    public static func detach(_ work: @escaping @Sendable () -> Void) {
        let thread = Thread { work() }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

extension Shell {
    /// `run`, off the cooperative pool: what async tests call.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async -> Result {
        await OffPool.run { Shell.run(executable, arguments, environment: environment) as Result }
    }
}

extension CLI {
    /// `run`, off the cooperative pool: what async tests call.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async -> Shell.Result {
        await OffPool.run { CLI.run(arguments, environment: environment) as Shell.Result }
    }
}
