import ArgumentParser
import AvatarMedia
import AvatarPipe
import Foundation

/// How post-processing dresses a video for the web (shared by `post` and `run`).
struct PostOutputFlags: ParsableArguments {
    @Flag(help: "Also write an HLS tree (hls/master.m3u8) from the same encoded packets.") var hls = false
    @Flag(help: "Also write video.webm (VP9 + Opus; slow on 2 cores).") var webm = false
    @Option(help: ArgumentHelp("Loudness of the renditions' audio in LUFS, or off to keep the source's.", valueName: "LUFS|off"))
    var loudness: String = "-16"
    @Option(name: .customLong("poster-at"), help: ArgumentHelp("Take the poster at this time instead of choosing one.", valueName: "SECONDS"))
    var posterAt: Double?
    @Option(help: "How many thumbnails to write.") var thumbnails: Int = 5
    @Option(name: .customLong("thumbnail-format"), help: ArgumentHelp("The thumbnails' format.", valueName: "jpeg|png"))
    var thumbnailFormat: PictureOptions.StillFormat = .jpeg
    @Option(name: .customLong("preview-format"), help: ArgumentHelp("The animated preview's format.", valueName: "webp|gif"))
    var previewFormat: AnimatedImageWriter.Format = .webp
    @Flag(name: .customLong("no-page"), help: "Do not write index.html.") var noPage = false
    @Flag(name: .customLong("burn-captions"), help: "Also draw the captions into the renditions' pictures (needs --script).")
    var burnCaptions = false

    func apply(to options: inout PostOptions) throws {
        options.renditions.hls = hls
        options.renditions.webm = webm
        options.renditions.loudnessTarget = try ArgumentCheck.loudness(loudness, flag: "--loudness", allowsOff: true)
        guard (0...50).contains(thumbnails) else { throw UsageError("--thumbnails takes 0 to 50") }
        options.pictures.thumbnailCount = thumbnails
        options.pictures.thumbnailFormat = thumbnailFormat
        options.pictures.previewFormat = previewFormat
        options.pictures.posterAt = posterAt
        options.page = !noPage
        options.burnCaptions = burnCaptions
        if burnCaptions && options.script == nil { throw UsageError("--burn-captions needs the words: give --script") }
    }
}

struct PostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post",
        abstract: "Make a video web-ready: renditions, captions, poster, thumbnails, storyboard, manifest, page.",
        discussion: """
        The source is only read. Writes into DIR: video-<rung>.mp4 (H.264/AAC, +faststart, \
        the source's size and the standard steps below it), hls/ and video.webm on request, \
        captions.vtt and captions.srt (with --script), poster.png, thumbs/, storyboard.jpg and \
        storyboard.vtt, preview.webp, manifest.json and index.html.
        """
    )

    @Argument(help: "The video (e.g. a job's render.mp4).") var video: String
    @Option(help: ArgumentHelp("The words spoken, or @FILE: captions timed to the speech.", valueName: "TEXT|@file")) var script: String?
    @Option(help: ArgumentHelp("The output directory (default: the video's directory).", valueName: "DIR")) var out: String?
    @Option(help: "The page's title (default: the video's name).") var title: String?
    @Option(help: ArgumentHelp("Keep only this part of the video, e.g. 1.5-12 or 2- (seconds).", valueName: "START-END")) var trim: String?
    @Option(name: .customLong("trim-silence"), help: ArgumentHelp("Cut leading and trailing silence, keeping this many seconds around the speech.", valueName: "SECONDS"))
    var trimSilence: Double?
    @Flag(help: "Print the manifest as JSON at the end.") var json = false
    @OptionGroup(title: "Outputs") var outputs: PostOutputFlags

    mutating func run() async throws {
        let directory = out ?? (URL(fileURLWithPath: video).deletingLastPathComponent().path)
        var options = PostOptions(title: title ?? URL(fileURLWithPath: video).deletingPathExtension().lastPathComponent)
        options.script = try script.map(ScriptArgument.read)?.text
        options.trim = try PostCommand.trim(trim, silence: trimSilence)
        try outputs.apply(to: &options)
        let progress = ProgressDisplay()
        try await PostCommand.post(video: video, into: directory, options: options, progress: progress, json: json)
    }

    /// Runs post-processing and prints its summary; exits with PostError's code on failure.
    static func post(video: String, into directory: String, options: PostOptions, progress: ProgressDisplay, json: Bool) async throws {
        let video = video, options = options
        let outcome = await Interruptible.run { try await PostProcessor.run(video: video, into: directory, options: options, observer: progress) }
        progress.finish()
        switch outcome {
        case .success(let result):
            if json {
                Terminal.out(String(decoding: try JobFilesystem.encoder().encode(result.manifest), as: UTF8.self))
            } else {
                summarize(result, directory: directory)
            }
        case .failure(let error as PostError):
            Terminal.error(error.description)
            throw ExitCode(error.exitCode)
        case .failure(let error):
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
    }

    static func summarize(_ result: PostResult, directory: String) {
        for file in result.manifest.files {
            var facts = [Format.bytes(file.bytes)]
            if let width = file.width, let height = file.height { facts.append("\(width)×\(height)") }
            if let duration = file.duration { facts.append(Format.seconds(duration)) }
            Terminal.out("  \(file.role.padding(toLength: 12, withPad: " ", startingAt: 0)) \(directory)/\(file.path)  (\(facts.joined(separator: ", ")))")
        }
        if let method = result.captionMethod { Terminal.out("captions: \(method == "aligned" ? "aligned to the speech" : "spread over the speech (alignment failed)")") }
        for note in result.notes { Terminal.log("note: \(note)") }
    }

    static func trim(_ text: String?, silence: Double?) throws -> PostOptions.Trim? {
        if let text, silence != nil { throw UsageError("give --trim or --trim-silence, not both") }
        if let silence {
            return .silence(margin: try ArgumentCheck.silenceMargin(silence))
        }
        guard let text else { return nil }
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = Double(parts[0].isEmpty ? "0" : parts[0]) else {
            throw UsageError("--trim \(text): give START-END in seconds, e.g. 1.5-12 or 2-")
        }
        let end = parts[1].isEmpty ? nil : Double(parts[1])
        if !parts[1].isEmpty && end == nil { throw UsageError("--trim \(text): the end is not a number of seconds") }
        return .range(start: start, end: end)
    }
}

extension PictureOptions.StillFormat: ExpressibleByArgument {}
extension AnimatedImageWriter.Format: ExpressibleByArgument {}
