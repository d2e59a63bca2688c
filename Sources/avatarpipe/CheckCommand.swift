import ArgumentParser
import AvatarMedia
import AvatarPipe
import Foundation

extension Orientation: ExpressibleByArgument {}
extension Fit: ExpressibleByArgument {}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a photo and speech before paying for a render (free, offline).",
        discussion: """
        Prints one line per finding and the verdict last; --json prints one JSON object. \
        Exit code 0 when the render can go ahead (ok or warnings), 3 when something blocks it, \
        2 when an input cannot be read at all.
        """
    )

    @Option(help: "The portrait photo (JPEG or PNG; others are converted).")
    var photo: String

    @Option(help: "The speech (WAV or MP3; others are converted).")
    var audio: String?

    @Option(help: ArgumentHelp("The script: the text itself, or @FILE to read it from a file.", valueName: "TEXT|@file"))
    var script: String?

    @Option(help: "The output orientation: landscape (16:9) or portrait (9:16).")
    var orientation: Orientation = .landscape

    @Option(help: "How the photo fills the frame: cover (crop) or contain (pad).")
    var fit: Fit = .cover

    @Option(help: "A voice name or 32-hex-digit id for the script (see `avatarpipe voices`).")
    var voice: String?

    @Option(help: ArgumentHelp("Price of one render in USD (default: the API card's, or AVATARPIPE_PRICE_USD).", valueName: "USD"))
    var price: Double?

    @Flag(help: "Prepare the inputs (convert, downscale, downmix…) into DIR/input/ and check the prepared files.")
    var fix = false

    @Option(help: ArgumentHelp("The job directory for --fix (preflight.json, preflight.png, input/).", valueName: "DIR"))
    var out: String = "avatarpipe-out"

    @Option(help: ArgumentHelp("Write the photo with face box, crop frame and verdict to this PNG.", valueName: "PATH"))
    var picture: String?

    @OptionGroup(title: "Preparation (with --fix)")
    var preparation: PreparationFlags

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Flag(help: "Also print FFmpeg's warnings to stderr.")
    var verbose = false

    mutating func run() async throws {
        if verbose { FFmpegLog.echo(.warning) }
        let request = PreflightRequest(
            photoPath: photo, audioPath: audio, script: try script.map(ScriptArgument.read), voice: voice,
            orientation: orientation, fit: fit, pricePerCallUSD: try Pricing.pricePerCall(option: price))
        let options = try preparation.options(orientation: orientation)
        let started = Date()
        var result = await Preflight.run(request)
        var shown = request
        if fix && result.report.exitCode == 0 {
            let prepared = try await Preparation.run(result, options: options, jobDirectory: out)
            shown = Preparation.recheckRequest(request, prepared: prepared)
            let original = result.report
            result = await Preflight.run(shown)
            result.report.preparation = PreparationSummary(result: prepared, original: original)
            try JobFiles.writePreflight(result, directory: out)
        }
        try writePicture(result)
        output(result.report, request: shown)
        if !json {
            Terminal.log(Terminal.paint(String(format: "checked in %.2f s", Date().timeIntervalSince(started)), .dim, tty: Terminal.stderrIsTTY))
        }
        if report(result).exitCode != 0 { throw ExitCode(result.report.exitCode) }
    }

    private func report(_ result: Preflight.Result) -> PreflightReport { result.report }

    private func writePicture(_ result: Preflight.Result) throws {
        guard let picture, let image = result.image else { return }
        try PreflightPicture.write(image, report: result.report, to: picture)
    }

    private func output(_ report: PreflightReport, request: PreflightRequest) {
        if json {
            Terminal.out((try? ReportJSON.encode(report)) ?? "{}")
            return
        }
        if let preparation = report.preparation {
            ReportPrinter.printPreparation(preparation, directory: out)
        } else if fix {
            Terminal.out("nothing prepared: the inputs must pass the check first")
        }
        ReportPrinter.print(report, request: request)
    }
}

/// `--script TEXT` or `--script @file` (`@@text` for a script that starts with @).
enum ScriptArgument {
    static func read(_ raw: String) throws -> ScriptInput {
        if raw.hasPrefix("@@") { return ScriptInput(text: String(raw.dropFirst())) }
        guard raw.hasPrefix("@") else { return ScriptInput(text: raw) }
        let path = String(raw.dropFirst())
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UsageError("--script \(raw): no such file \(path)")
        }
        guard !isDirectory.boolValue else { throw UsageError("--script \(raw): \(path) is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("--script \(raw): cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw UsageError("--script \(raw): \(path) is not UTF-8 text")
        }
        return ScriptInput(text: text, sourcePath: path)
    }
}

enum Pricing {
    static func pricePerCall(option: Double?) throws -> Double {
        if let option {
            guard option >= 0, option.isFinite else { throw UsageError("--price must be a non-negative amount in USD") }
            return option
        }
        if let text = ProcessInfo.processInfo.environment["AVATARPIPE_PRICE_USD"], !text.isEmpty {
            guard let value = Double(text), value >= 0 else { throw UsageError("AVATARPIPE_PRICE_USD=\(text) is not an amount in USD") }
            return value
        }
        return ServiceLimits.defaultPricePerCallUSD
    }
}
