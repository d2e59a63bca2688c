import AvatarHTTP
import AvatarPipe
import AvatarSandbox
import Foundation
import TestSupport

/// A sandbox on a loopback port, a job directory and a ledger of their own, and a runner
/// pointed at them with a quick poller.
struct Harness {
    let sandbox: Sandbox
    let job: TemporaryDirectory
    let stateDirectory: TemporaryDirectory
    let ledger: SQLiteLedger
    var runner: RenderRunner

    static func start(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) async throws -> Harness {
        var configuration = SandboxConfiguration()
        configuration.latency = 0.3
        // Tiny stand-ins, each rendered once: the runner is under test here, not the encoder.
        configuration.resolution = .p180
        configuration.memoizeRenders = true
        configure(&configuration)
        let sandbox = try await Sandbox.start(configuration)
        let endpoint = ServiceEndpoint(apiBase: sandbox.baseURL, storageBase: sandbox.baseURL, apiKey: sandbox.key)
        let state = TemporaryDirectory("avatarpipe-state")
        let ledger = try SQLiteLedger(path: state.file("ledger.sqlite"))
        var runner = RenderRunner(client: SegmindClient(endpoint: endpoint), host: SegmindHost(endpoint: endpoint), ledger: ledger)
        runner.followInterval = .milliseconds(20)
        runner.poller.initialInterval = .milliseconds(50)
        runner.poller.maxInterval = .milliseconds(200)
        runner.poller.deadline = .seconds(120)
        // Backoff waits in the retry policies are real but short.
        runner.client.submitRetry.initialDelay = .milliseconds(10)
        runner.client.readRetry.initialDelay = .milliseconds(10)
        return Harness(sandbox: sandbox, job: TemporaryDirectory("avatarpipe-job"), stateDirectory: state, ledger: ledger, runner: runner)
    }

    func request(in directory: String? = nil, api: RunRequest.API = .v2, audio: String? = Fixtures.generated("speech-2.5s.wav"),
                 script: String? = nil) -> RunRequest {
        let preflight = PreflightRequest(photoPath: Fixtures.photo, audioPath: audio, script: script.map { ScriptInput(text: $0) },
                                         fit: .contain)
        var request = RunRequest(preflight: preflight, preparation: PreparationOptions(),
                                 parameters: RenderParameters(videoTitle: "test", script: script, fit: .contain),
                                 jobDirectory: directory ?? job.path)
        request.api = api
        return request
    }

    func control(_ control: SandboxControl) async {
        _ = await sandbox.control(control)
    }

    func ledger() async -> SandboxLedger { await sandbox.ledger() }

    func stop() async {
        try? await sandbox.stop()
        job.remove()
        stateDirectory.remove()
    }

    /// Every file of the job directory, read as text, does not contain the key.
    func keyAppearsInJobFiles() -> Bool {
        let files = FileManager.default.enumerator(atPath: job.path)?.compactMap { $0 as? String } ?? []
        return files.contains { name in
            guard let data = FileManager.default.contents(atPath: job.path + "/" + name) else { return false }
            return data.range(of: Data(sandbox.key.utf8)) != nil
        }
    }
}
