import ArgumentParser
import AvatarMedia
import AvatarPipe
import Foundation

extension PreviewSettings.Resolution: ExpressibleByArgument {}

struct PreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Render a local stand-in video: framing, motion and length, free and offline.",
        discussion: """
        Runs the checks first (a block stops the preview unless --force), then writes \
        DIR/preview.mp4: the service's output geometry, a slow push-in with a mouth that moves \
        with the speech, and a PREVIEW badge. With only --script, the speech is synthesised \
        locally with espeak-ng.
        """
    )

    @Option(help: "The portrait photo.")
    var photo: String

    @Option(help: "The speech (any format FFmpeg reads).")
    var audio: String?

    @Option(help: ArgumentHelp("The script, or @FILE; spoken locally when no --audio is given.", valueName: "TEXT|@file"))
    var script: String?

    @Option(help: "A voice name or id (its gender picks the local voice).")
    var voice: String?

    @Option(help: "landscape (16:9) or portrait (9:16).")
    var orientation: Orientation = .landscape

    @Option(help: "cover (crop) or contain (pad).")
    var fit: Fit = .cover

    @Option(help: "1080p or 720p.")
    var resolution: PreviewSettings.Resolution = .p1080

    @Option(help: "25 or 30 frames a second.")
    var fps: Int = 25

    @Option(help: ArgumentHelp("What fills the pads of --fit contain: blur, or a colour #rrggbb.", valueName: "blur|COLOR"))
    var pad: String = "blur"

    @Option(help: ArgumentHelp("The job directory; the preview is DIR/preview.mp4.", valueName: "DIR"))
    var out: String = "avatarpipe-out"

    @Option(name: .customLong("x264-preset"), help: "libx264 preset (ultrafast … veryslow).")
    var x264Preset: String = "veryfast"

    @Option(name: .customLong("x264-params"), help: ArgumentHelp("Extra libx264 options (key=value:key=value).", valueName: "PARAMS"))
    var x264Params: String?

    @Flag(help: "Render even when the checks block.")
    var force = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    mutating func run() async throws {
        let settings = try self.settings()
        let scriptInput = try script.map(ScriptArgument.read)
        guard audio != nil || scriptInput != nil else { throw UsageError("give --audio or --script: the preview needs speech") }
        let checked = await Preflight.run(PreflightRequest(photoPath: photo, audioPath: audio, script: scriptInput, voice: voice,
                                                           orientation: orientation, fit: fit))
        let report = checked.report
        if report.exitCode == 2 || (report.exitCode == 3 && !force) || checked.image == nil {
            ReportPrinter.print(report, request: PreflightRequest(photoPath: photo, audioPath: audio, orientation: orientation, fit: fit))
            Terminal.log("no preview: the checks " + (report.exitCode == 2 ? "could not read an input" : "block this render (--force renders anyway)"))
            throw ExitCode(report.exitCode == 0 ? 3 : report.exitCode)
        }
        let speech = try audio ?? ScriptSpeech.wav(for: scriptInput?.text ?? "", voiceID: report.voice?.id,
                                                   in: (out as NSString).appendingPathComponent("input"))
        let target = (out as NSString).appendingPathComponent("preview.mp4")
        let image = checked.image.unsafelyUnwrapped
        let face = report.photo?.faces?.first?.rect
        let started = Date()
        let result = try await Offload.run {
            try PreviewRenderer.render(photo: image, face: face, audioPath: speech, settings: settings, to: target)
        }
        let seconds = Date().timeIntervalSince(started)
        if json {
            Terminal.out(try ReportJSON.encode(result))
        } else {
            Terminal.out("\(result.path): \(result.width)×\(result.height), \(result.frameRate) fps, "
                         + "\(Format.seconds(result.duration)), \(result.frames) frames")
        }
        Terminal.log(String(format: "rendered in %.1f s (%.2f× real time)", seconds, seconds / max(result.duration, 0.001)))
    }

    func settings() throws -> PreviewSettings {
        var settings = PreviewSettings()
        settings.orientation = orientation
        settings.fit = fit
        settings.resolution = resolution
        guard [25, 30].contains(fps) else { throw UsageError("--fps \(fps): choose 25 or 30") }
        settings.frameRate = fps
        settings.preset = x264Preset
        if let x264Params { settings.x264Params = x264Params }
        if pad != "blur" {
            guard let color = RGBColor(parsing: pad) else { throw UsageError("--pad \(pad): give blur or a colour #rrggbb") }
            settings.padding = .color(color)
        }
        return settings
    }
}
