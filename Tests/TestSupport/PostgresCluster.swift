import Foundation

/// A private PostgreSQL cluster for the tests of one test process: `initdb` into a temporary
/// folder (as the `postgres` system user when run as root: the server refuses root), `pg_ctl`
/// on a free loopback port with its own socket folder, trust authentication. A watchdog stops
/// it when the test process ends. Each test gets a database of its own (`database()`).
public final class PostgresCluster: Sendable {
    public let port: Int
    public let directory: String
    public let user = "avatarpipe"

    /// One cluster per test process, started on first use; nil when PostgreSQL is not there.
    public static let shared: Result<PostgresCluster, SetupError> = {
        do { return .success(try PostgresCluster.start()) } catch let error as SetupError { return .failure(error) } catch {
            return .failure(SetupError(description: "\(error)"))
        }
    }()

    public struct SetupError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    /// A new, empty database: `postgres://avatarpipe@127.0.0.1:PORT/NAME`.
    public func database() throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let created: Shell.Result = Shell.run(binary("createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", user, String(name)])
        guard created.status == 0 else { throw SetupError(description: "createdb failed: \(created.stderr)") }
        return "postgres://\(user)@127.0.0.1:\(port)/\(name)"
    }

    /// Stops and starts the server (the data stays): clients must reconnect.
    public func restart() throws {
        let result = PostgresCluster.asPostgres([binary("pg_ctl"), "-D", directory + "/data", "-m", "fast", "-w", "restart"])
        guard result.status == 0 else { throw SetupError(description: "pg_ctl restart failed: \(result.stderr)") }
    }

    static func start() throws -> PostgresCluster {
        guard FileManager.default.isExecutableFile(atPath: binary("initdb")) else {
            throw SetupError(description: "PostgreSQL's initdb is not installed (scripts/setup.sh installs Debian's postgresql)")
        }
        // A folder the postgres user can reach (not under a 0700 temporary folder of root's).
        let directory = "/tmp/avatarpipe-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        if getuid() == 0 { _ = Shell.run("/bin/chown", ["postgres:postgres", directory]) }
        let initialized = asPostgres([binary("initdb"), "-D", directory + "/data", "-A", "trust", "-U", "avatarpipe", "--no-sync", "-E", "UTF8"])
        guard initialized.status == 0 else { throw SetupError(description: "initdb failed: \(initialized.stderr)") }
        let port = Loopback.freePort()
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        let started = asPostgres([binary("pg_ctl"), "-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "start"])
        guard started.status == 0 else { throw SetupError(description: "pg_ctl start failed: \(started.stderr)") }
        watch(directory)
        return PostgresCluster(port: port, directory: directory)
    }

    /// Stops the server and removes its folder once this process is gone.
    static func watch(_ directory: String) {
        let stop = "\(binary("pg_ctl")) -D \(directory)/data -m immediate stop"
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
            + (getuid() == 0 ? "runuser -u postgres -- \(stop)" : stop) + " >/dev/null 2>&1; rm -rf \(directory)"
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", script]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try? watchdog.run()
    }

    static func binary(_ name: String) -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: >) {
            let path = "/usr/lib/postgresql/\(version)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return Shell.which(name) ?? "/usr/bin/\(name)"
    }

    /// Runs a PostgreSQL tool as the `postgres` user when this is root, else as this user. Its
    /// output goes to a file, not a pipe (the server `pg_ctl` starts would hold a pipe open),
    /// and it is spawned and waited for with posix_spawn and waitpid: Foundation's Process
    /// loses the exit of `runuser` now and then.
    static func asPostgres(_ command: [String]) -> Shell.Result {
        let full = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        let log = "/tmp/avatarpipe-pg-\(UUID().uuidString).log"
        defer { unlink(log) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = full.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, full[0], &actions, nil, argv, environ)
        guard spawned == 0 else { return Shell.Result(status: -1, stdout: "", stderr: "cannot start \(full[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Shell.Result(status: exited, stdout: "", stderr: text)
    }

    func binary(_ name: String) -> String { PostgresCluster.binary(name) }
}
