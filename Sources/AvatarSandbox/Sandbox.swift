import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A running local fake of Segmind's HeyGen Avatar IV API and of Segmind's storage, on one
/// base URL. Start it, point a client at `baseURL` with `key`, and stop it:
///
///     var configuration = SandboxConfiguration()
///     configuration.latency = 0
///     let sandbox = try await Sandbox.start(configuration)
///     // POST \(sandbox.baseURL)/v2/heygen-avatar-iv with x-api-key: \(sandbox.key) …
///     let ledger = await sandbox.ledger()
///     try await sandbox.stop()   // on every path: it owns a port and a directory
///
/// Renders are made locally with `PreviewRenderer` (a SANDBOX badge), charged when they
/// complete, and kept until `stop()`. `SandboxInfo` has the table of endpoints.
public final class Sandbox: Sendable {
    /// `http://host:port`, no trailing slash.
    public let baseURL: String
    public let host: String
    public let port: Int
    public let key: String
    /// Where uploads, fetched inputs and renders are kept.
    public let directory: String

    let engine: SandboxEngine
    private let serviceGroup: ServiceGroup
    private let server: Task<Void, any Error>
    private let ownsDirectory: Bool
    private let stopped = Mutex(false)

    private init(host: String, port: Int, engine: SandboxEngine, serviceGroup: ServiceGroup,
                 server: Task<Void, any Error>, ownsDirectory: Bool) {
        self.host = host
        self.port = port
        let shownHost = host.contains(":") ? "[\(host)]" : host
        baseURL = "http://\(shownHost):\(port)"
        key = engine.key
        directory = engine.directory
        self.engine = engine
        self.serviceGroup = serviceGroup
        self.server = server
        self.ownsDirectory = ownsDirectory
    }

    /// Binds, starts serving, and returns once connections are accepted. Throws if the
    /// address cannot be bound or the directory cannot be made.
    public static func start(_ configuration: SandboxConfiguration = SandboxConfiguration()) async throws -> Sandbox {
        let ownsDirectory = configuration.directory == nil
        let directory = configuration.directory
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("avatarpipe-sandbox-\(UUID().uuidString)")
        let engine = SandboxEngine(configuration: configuration, directory: directory)
        do {
            for folder in [engine.assetsDirectory, engine.jobsDirectory] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw SandboxError(message: "cannot make the sandbox's directory \(directory): \(error.localizedDescription)")
        }

        let router = Router(context: SandboxRequestContext.self)
        engine.addRoutes(to: router)
        // Hummingbird logs to stdout by default; the sandbox reports through `configuration.log`.
        let quiet = Logger(label: "avatarpipe.sandbox") { _ in SwiftLogNoOpLogHandler() }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ContinueHandler()])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                 serverName: "avatarpipe-sandbox"),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
            logger: quiet
        )
        let serviceGroup = ServiceGroup(configuration: .init(services: [application], logger: quiet))
        let server = Task {
            defer { portSink.finish() }
            try await serviceGroup.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            let failure: any Error
            do {
                try await server.value
                failure = SandboxError(message: "the server stopped before it was listening")
            } catch {
                failure = error
            }
            if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
            throw SandboxError(message: "cannot listen on \(configuration.host):\(configuration.port): \(failure)")
        }
        let sandbox = Sandbox(host: configuration.host, port: port, engine: engine, serviceGroup: serviceGroup,
                              server: server, ownsDirectory: ownsDirectory)
        engine.fallbackBaseURL.withLock { $0 = sandbox.baseURL }
        return sandbox
    }

    /// Every submission, refusal, charge and upload so far, and the balance.
    public func ledger() async -> SandboxLedger {
        await engine.state.ledger()
    }

    /// Arms faults and changes settings; returns what is in force now.
    @discardableResult
    public func control(_ control: SandboxControl) async -> SandboxSettings {
        await engine.apply(control)
    }

    /// Returns once `count` requests have reached `gate` while it was closed.
    public func held(_ gate: SandboxGate, count: Int = 1) async {
        await engine.gates.arrived(gate, count: count)
    }

    public func settings() async -> SandboxSettings {
        await engine.state.settings()
    }

    /// Stops accepting connections, lets requests in flight finish, cancels the jobs still
    /// waiting, waits for any render under way, and removes the directory it made.
    /// Calling it again does nothing.
    public func stop() async throws {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        // Requests held at a gate go on, or the graceful shutdown would wait for them forever.
        await engine.gates.openAll()
        await serviceGroup.triggerGracefulShutdown()
        let result = await server.result
        await engine.stopJobs()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
        try result.get()
    }
}

public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
