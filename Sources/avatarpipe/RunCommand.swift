import ArgumentParser
import AvatarHTTP
import AvatarMedia
import AvatarPipe
import Foundation

extension RunRequest.API: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Check, prepare, host, render once (paid), download.",
        discussion: """
        One paid render per set of inputs, never two: the ledger holds a claim on the render \
        (its inputs' hash and the API's origin) before the submit leaves, and any other run of \
        the same inputs, in any directory, waits for that render instead of paying again; a \
        submit whose answer is lost ends with exit 4 and is never sent again by itself; a \
        stored render of the same inputs is reused. DIR/job.json mirrors the ledger. \
        --sandbox runs everything against the built-in fake of the API, offline and free.
        """
    )

    @Option(help: "The portrait photo (a file, or an https:// URL).") var photo: String
    @Option(help: "The speech (a file, or an https:// URL).") var audio: String?
    @Option(help: ArgumentHelp("The script, or @FILE: spoken by the service when no --audio; captions otherwise.", valueName: "TEXT|@file"))
    var script: String?
    @Option(help: "The video title (default: the photo's name).") var title: String?
    @Option(help: "A voice name or 32-hex-digit id for the script.") var voice: String?
    @Option(help: "landscape (16:9) or portrait (9:16).") var orientation: Orientation = .landscape
    @Option(help: "cover (crop) or contain (pad).") var fit: Fit = .cover
    @Option(help: "A custom motion prompt, e.g. \"subtle hand movements\".") var motion: String?
    @Flag(name: .customLong("enhance-motion"), help: "Let the service enhance the motion prompt.") var enhanceMotion = false
    @Option(help: ArgumentHelp("The job directory.", valueName: "DIR")) var out: String = "avatarpipe-out"
    @Flag(help: "Run against the built-in sandbox on a loopback port: offline, free.") var sandbox = false
    @Option(help: "v2 (asynchronous, default) or v1 (synchronous, legacy).") var api: RunRequest.API = .v2
    @Flag(name: .customLong("force-new"), help: "Submit a new render even if an identical one was paid for, or a submit of it died without its answer.")
    var forceNew = false
    @Option(name: .customLong("max-cost"), help: ArgumentHelp("Refuse to start when the estimate is above this.", valueName: "USD"))
    var maxCost: Double?
    @Option(help: ArgumentHelp("Price of one render in USD for the estimate.", valueName: "USD")) var price: Double?
    @Option(name: .customLong("wait-timeout"), help: ArgumentHelp("Stop waiting after this many minutes (resume later).", valueName: "MIN"))
    var waitTimeout: Double = 20
    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Seconds before the first status poll; later ones back off to 15 s.", valueName: "SECONDS"))
    var pollInterval: Double = 2
    @Flag(help: "Print the journal (job.json) at the end.") var json = false
    @Flag(name: .customLong("no-post"), help: "Stop after render.mp4: no renditions, pictures, captions or page.") var noPost = false
    @OptionGroup(title: "Preparation") var preparation: PreparationFlags
    @OptionGroup(title: "Outputs (post-processing)") var outputs: PostOutputFlags
    @OptionGroup(title: "Service") var service: ServiceOptions
    @OptionGroup(title: "Ledger") var ledger: LedgerOptions

    mutating func run() async throws {
        if service.verbose { FFmpegLog.echo(.warning) }
        // Every argument is checked before anything is fetched, prepared or paid for.
        var postOptions = PostOptions(title: "")
        postOptions.script = try script.map(ScriptArgument.read)?.text
        if !noPost { try outputs.apply(to: &postOptions) }
        if audio == nil && script == nil { throw UsageError("give --audio or --script: the render needs speech") }
        guard waitTimeout.isFinite, waitTimeout > 0 else { throw UsageError("--wait-timeout takes a number of minutes above 0") }
        guard pollInterval.isFinite, pollInterval >= 0.05, pollInterval <= 15 else { throw UsageError("--poll-interval takes 0.05 to 15 seconds") }
        if let maxCost, !(maxCost.isFinite && maxCost > 0) {
            throw UsageError("--max-cost takes an amount of USD above 0 (\(maxCost) would not cap anything)")
        }
        let progress = ProgressDisplay()
        let environment = try await RunEnvironment.make(sandbox: sandbox, service: service, ledger: ledger)
        var request: RunRequest
        do {
            request = try await makeRequest(environment: environment, progress: progress)
        } catch {
            await environment.stop()
            throw error
        }
        request.api = api
        var runner = RenderRunner(client: environment.client, host: environment.host, ledger: environment.ledger)
        runner.observer = progress
        runner.poller.deadline = .milliseconds(Int64(waitTimeout * 60_000))
        runner.poller.initialInterval = .milliseconds(Int64(pollInterval * 1000))
        let outcome = await Interruptible.run { [request, runner] in try await runner.run(request) }
        progress.finish()
        await environment.stop()
        try RunOutput.finish(outcome, directory: out, json: json)
        guard !noPost, case .success = outcome else { return }
        var options = postOptions
        options.title = request.parameters.videoTitle
        options.script = request.parameters.script
        let render = (out as NSString).appendingPathComponent(RenderRunner.renderFile)
        do {
            try await PostCommand.post(video: render, into: out, options: options, progress: progress, json: false)
        } catch {
            Terminal.log("render.mp4 is safe; make the web files again with `avatarpipe post \(render) --out \(out)`")
            throw error
        }
    }

    func makeRequest(environment: RunEnvironment, progress: ProgressDisplay) async throws -> RunRequest {
        let scriptInput = try script.map(ScriptArgument.read)
        let inputs: RemoteInputs.Fetched
        do {
            inputs = try await RemoteInputs.fetch(photo: photo, audio: audio, into: (out as NSString).appendingPathComponent("input"),
                                                  http: environment.client.http, observer: progress)
        } catch let failure as RemoteInputs.Failure {
            throw UsageError(failure.description)
        }
        var preflight = PreflightRequest(photoPath: inputs.photo, audioPath: inputs.audio, script: scriptInput, voice: voice,
                                         orientation: orientation, fit: fit, pricePerCallUSD: try Pricing.pricePerCall(option: price))
        preflight.imageLimits = .default
        let voiceID = try resolveVoice()
        let parameters = RenderParameters(videoTitle: title ?? RunCommand.defaultTitle(photo: photo), script: scriptInput?.text,
                                          voiceID: voiceID, orientation: orientation, fit: fit, customMotionPrompt: motion,
                                          enhanceCustomMotionPrompt: enhanceMotion)
        var request = RunRequest(preflight: preflight, preparation: try preparation.options(orientation: orientation),
                                 parameters: parameters, jobDirectory: out)
        request.forceNew = forceNew
        request.maxCostUSD = maxCost
        request.sourceURLs = inputs.sourceURLs
        return request
    }

    func resolveVoice() throws -> String {
        guard let voice else { return VoiceCatalog.defaultID }
        switch VoiceCatalog.resolve(voice) {
        case .known(let known): return known.id
        case .unknownID(let id): return id
        case .unknown(let name, let suggestions):
            throw UsageError("no voice is called \"\(name)\"; known voices: \(suggestions.joined(separator: ", "))")
        }
    }

    static func defaultTitle(photo: String) -> String {
        let stem = URL(fileURLWithPath: photo).deletingPathExtension().lastPathComponent
        return "avatarpipe \(stem)"
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a submitted render from its job directory; never submits again."
    )

    @Argument(help: "The job directory (holding job.json).") var directory: String
    @Option(name: .customLong("wait-timeout"), help: ArgumentHelp("Stop waiting after this many minutes.", valueName: "MIN"))
    var waitTimeout: Double = 20
    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Seconds before the first status poll; later ones back off to 15 s.", valueName: "SECONDS"))
    var pollInterval: Double = 2
    @Flag(help: "Print the journal (job.json) at the end.") var json = false
    @OptionGroup(title: "Service") var service: ServiceOptions
    @OptionGroup(title: "Ledger") var ledger: LedgerOptions

    mutating func run() async throws {
        guard waitTimeout.isFinite, waitTimeout > 0 else { throw UsageError("--wait-timeout takes a number of minutes above 0") }
        guard pollInterval.isFinite, pollInterval >= 0.05, pollInterval <= 15 else { throw UsageError("--poll-interval takes 0.05 to 15 seconds") }
        let progress = ProgressDisplay()
        // A render of the built-in sandbox ended with the run that made it: said before any
        // key or endpoint is looked for.
        if let render = try await RenderRunner.render(of: directory, in: try await ledger.open()), render.endpoint == ServiceEndpoint.builtInSandbox {
            if render.state == .rendered {
                Terminal.out("\(directory)/\(RenderRunner.renderFile) is rendered (by the built-in sandbox)")
                return
            }
            Terminal.error("the render of \(directory) was made by the built-in sandbox of `run --sandbox`, which ended with that "
                           + "process; run the same command again (sandbox renders are free)")
            throw ExitCode(3)
        }
        let environment = try await RunEnvironment.make(sandbox: false, service: service, ledger: ledger)
        var runner = RenderRunner(client: environment.client, host: environment.host, ledger: environment.ledger)
        runner.observer = progress
        runner.poller.deadline = .milliseconds(Int64(waitTimeout * 60_000))
        runner.poller.initialInterval = .milliseconds(Int64(pollInterval * 1000))
        let directory = self.directory
        let outcome = await Interruptible.run { [runner] in try await runner.resume(directory) }
        progress.finish()
        await environment.stop()
        try RunOutput.finish(outcome, directory: directory, json: json)
    }
}
