import AvatarPipe
import Foundation
import Synchronization

/// The parts of a running sandbox that requests and jobs share: the state, the files, the
/// job tasks, and the log.
final class SandboxEngine: Sendable {
    let state: SandboxState
    let gates = SandboxGates()
    let key: String
    let directory: String
    let resolution: PreviewSettings.Resolution
    let x264Preset: String
    let maxUploadFileBytes: Int
    let fallbackBaseURL: Mutex<String>
    private let logSink: (@Sendable (String) -> Void)?
    private let renders: RenderQueue
    private let memoizes: Bool
    /// Finished renders by what shapes them, when `memoizeRenders` is on.
    private let memo = Mutex<[String: String]>([:])
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    init(configuration: SandboxConfiguration, directory: String) {
        state = SandboxState(configuration: configuration)
        key = configuration.key
        self.directory = directory
        resolution = configuration.resolution
        x264Preset = configuration.x264Preset
        maxUploadFileBytes = configuration.maxUploadFileBytes
        fallbackBaseURL = Mutex("http://\(configuration.host):\(configuration.port)")
        logSink = configuration.log
        renders = RenderQueue(limit: max(1, configuration.concurrentRenders))
        memoizes = configuration.memoizeRenders
    }

    /// Logs a line with the key, should it ever turn up, blanked out.
    func log(_ line: String) {
        guard let logSink else { return }
        logSink(key.isEmpty ? line : line.replacingOccurrences(of: key, with: "[redacted]"))
    }

    var assetsDirectory: String { (directory as NSString).appendingPathComponent("assets") }
    var jobsDirectory: String { (directory as NSString).appendingPathComponent("jobs") }

    // MARK: - Jobs

    /// Runs an accepted job in the background (v2, and a v1 whose connection was dropped).
    func launch(_ job: SandboxState.Job) {
        // Made under the lock, so the task cannot remove itself before it is registered.
        tasks.withLock { tasks in
            tasks[job.id] = Task { [self] in
                await run(job)
                _ = self.tasks.withLock { $0.removeValue(forKey: job.id) }
            }
        }
    }

    /// QUEUED for the first quarter of the latency, PROCESSING while the inputs are checked
    /// and the stand-in is rendered, COMPLETED (and charged) once the latency has passed and
    /// the video exists; FAILED, uncharged, when a check or the render fails.
    func run(_ job: SandboxState.Job) async {
        let clock = ContinuousClock()
        let started = clock.now
        let latency = await state.latency
        if latency > 0 { try? await Task.sleep(for: .seconds(latency / 4)) }
        if Task.isCancelled {
            _ = await state.fail(job.id, reason: "the sandbox stopped before the job ran")
            return
        }
        guard let job = await state.beginProcessing(job.id) else { return }
        log("job \(job.id): PROCESSING")
        do {
            if let reason = job.forcedFailure { throw JobFailure(reason) }
            var settings = PreviewSettings()
            settings.orientation = job.parameters.orientation
            settings.fit = job.parameters.fit
            settings.resolution = resolution
            settings.preset = x264Preset
            settings.badgeText = "SANDBOX"
            let output = (job.directory as NSString).appendingPathComponent(job.outputName)
            let render = SandboxRender(imagePath: job.imagePath, imageURL: job.parameters.imageURL, audioPath: job.audioPath,
                                       audioURL: job.parameters.audioURL, script: job.parameters.script,
                                       voiceID: job.parameters.voiceID, settings: settings, directory: job.directory,
                                       output: output)
            let memoKey = memoizes ? SandboxEngine.memoKey(job, settings: settings) : nil
            if let memoKey, let earlier = memo.withLock({ $0[memoKey] }), (try? FileManager.default.copyItem(atPath: earlier, toPath: output)) != nil {
                log("job \(job.id): the same inputs were rendered before; copied")
            } else {
                _ = try await renders.run {
                    guard !Task.isCancelled else { throw JobFailure("the sandbox stopped before the render") }
                    return try await Offload.run { try render.run() }
                }
                if let memoKey { memo.withLock { $0[memoKey] = output } }
            }
            let left = Duration.seconds(latency) - (clock.now - started)
            if left > .zero { try? await Task.sleep(for: left) }
            await gates.pass(.jobs)
            if let done = await state.complete(job.id, outputPath: output) {
                let balance = await state.balance
                log("job \(job.id): COMPLETED, charged \(Credits.text(done.charged ?? 0)), balance \(Credits.text(balance))")
            }
        } catch {
            let reason = (error as? JobFailure)?.reason ?? "\(error)"
            if await state.fail(job.id, reason: reason) != nil {
                log("job \(job.id): FAILED: \(reason)")
            }
        }
    }

    /// Applies a control document: faults, settings and gates.
    func apply(_ control: SandboxControl) async -> SandboxSettings {
        if let gates = control.hold { await self.gates.close(gates) }
        if let gates = control.release { await self.gates.open(gates) }
        var settings = await state.apply(control)
        settings.held = await gates.closedGates
        return settings
    }

    /// What a stand-in render depends on: the fetched photo and speech (or script and voice),
    /// orientation, fit and size.
    static func memoKey(_ job: SandboxState.Job, settings: PreviewSettings) -> String? {
        guard let image = try? FileHash.sha256(ofFile: job.imagePath) else { return nil }
        let speech = job.audioPath.flatMap { try? FileHash.sha256(ofFile: $0) }
            ?? FileHash.sha256((job.parameters.script ?? "") + "|" + job.parameters.voiceID)
        return [image, speech, settings.orientation.rawValue, settings.fit.rawValue, settings.resolution.rawValue].joined(separator: "|")
    }

    /// Cancels the jobs still waiting and waits for every job task to end.
    func stopJobs() async {
        await gates.openAll()
        let running = tasks.withLock { tasks in
            let all = Array(tasks.values)
            tasks.removeAll()
            return all
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}

/// At most `limit` renders at once; the rest wait their turn in order.
actor RenderQueue {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if running < limit {
            running += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        defer { release() }
        return try await work()
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

enum Credits {
    /// Credits as the sandbox shows them: at most six decimals, no trailing zeros.
    static func text(_ value: Double) -> String {
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}
