import ArgumentParser
import AvatarMedia
import AvatarPipe
import Foundation

struct CaptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "captions",
        abstract: "Time captions of a script to the speech of an audio or video file (offline).",
        discussion: """
        Writes DIR/captions.vtt and DIR/captions.srt. The script is spoken locally with \
        espeak-ng and aligned with the real speech; cue edges follow the detected speech \
        onsets. When the script does not match the speech, the words are spread over the \
        detected speech instead and a warning says so. Exit code 0 when captions were \
        written, 1 when the media has no speech or cannot be decoded, 2 for a usage error, \
        an empty script or a file that cannot be read.
        """
    )

    @Argument(help: ArgumentHelp("The audio or video with the speech (any format FFmpeg reads).", valueName: "AUDIO_OR_VIDEO"))
    var media: String

    @Option(help: ArgumentHelp("The script: the text itself, or @FILE to read it from a file.", valueName: "TEXT|@file"))
    var script: String

    @Option(help: ArgumentHelp("The directory for captions.vtt and captions.srt.", valueName: "DIR"))
    var out: String = "avatarpipe-out"

    @Option(help: "The video's frame rate: cues are at least two frames apart.")
    var fps: Double = 25

    @Flag(help: "Skip the alignment and spread the words over the detected speech by syllables.")
    var noAlign = false

    @Flag(help: "Print the caption track (cues, method, diagnostics) as JSON.")
    var json = false

    mutating func run() async throws {
        let text = try ScriptArgument.read(script).text
        try checkReadable(media)
        guard fps.isFinite, fps >= 1, fps <= 240 else { throw UsageError("--fps \(fps): give a frame rate between 1 and 240") }
        var options = CaptionOptions()
        options.frameRate = fps
        options.forceFallback = noAlign
        let path = media, settings = options
        let track: CaptionTrack
        do {
            track = try await Offload.run { try CaptionAligner.align(script: text, audioPath: path, options: settings) }
        } catch let error as CaptionError where error.code == .emptyScript {
            throw UsageError("--script: \(error.message)")
        } catch let error as MediaError where error.isUnreadableInput {
            throw UsageError(error.description)
        } catch let error as MediaError where error.kind == .noStream {
            throw UsageError(error.description)
        } catch let error as CaptionError {
            Terminal.error(error.message)
            throw ExitCode(1)
        } catch let error as MediaError {
            Terminal.error(error.description)
            throw ExitCode(1)
        } catch let error as FFmpegError {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
        let files = try track.write(to: out)
        for message in track.messages {
            Terminal.log(Terminal.paint("warning: ", .yellow, tty: Terminal.stderrIsTTY) + message)
        }
        if json {
            Terminal.out(try ReportJSON.encode(track))
        } else {
            Terminal.out(summary(track) + "\n  \(files.webVTT)\n  \(files.srt)")
        }
    }

    private func summary(_ track: CaptionTrack) -> String {
        let d = track.diagnostics
        var text = "captions: \(track.cues.count) cue\(track.cues.count == 1 ? "" : "s") for \(d.sentences) sentence\(d.sentences == 1 ? "" : "s"), "
        switch track.method {
        case .aligned:
            text += "aligned to the speech"
            if let score = d.failureScore { text += String(format: " (score %.2f", score) + (d.snrDB.map { String(format: ", SNR %.0f dB", $0) } ?? "") + ")" }
        case .fallback:
            text += Terminal.paint("spread over the speech by syllables (not aligned)", .yellow)
        }
        if !track.reliable { text += Terminal.paint(", unreliable", .yellow) }
        text += String(format: ", %.2f s", d.seconds) + " for \(Format.seconds(d.audioDuration)) of audio"
        return text
    }

    private func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UsageError("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw UsageError("\(path) is a directory, not an audio or video file") }
    }
}
