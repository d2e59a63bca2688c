import ArgumentParser
import AvatarMedia
import AvatarPipe

extension PhotoPreparation.Format: ExpressibleByArgument {}
extension AudioPreparation.Channels: ExpressibleByArgument {}
extension AudioFileWriter.Container: ExpressibleByArgument {}

/// How `check --fix` (and later `run`) prepares the inputs.
struct PreparationFlags: ParsableArguments {
    @Flag(help: "Crop the photo around the face to the exact aspect of the orientation.")
    var reframe = false

    @Option(help: "Colour to flatten transparency onto (#rrggbb).")
    var background: String = "#ffffff"

    @Option(name: .customLong("photo-format"), help: "auto (JPEG stays JPEG, the rest becomes PNG), png or jpeg.")
    var photoFormat: PhotoPreparation.Format = .auto

    @Option(name: .customLong("audio-format"), help: "wav (16-bit PCM) or mp3, for audio that must be converted.")
    var audioFormat: AudioFileWriter.Container = .wav

    @Option(help: "auto (mono stays mono, more becomes stereo), mono or stereo.")
    var channels: AudioPreparation.Channels = .auto

    @Option(name: .customLong("sample-rate"), help: "44100 or 48000 (default: 44100 stays, the rest becomes 48000).")
    var sampleRate: Int?

    @Option(name: .customLong("trim-silence"), help: ArgumentHelp("Trim leading/trailing silence, keeping this many seconds.", valueName: "SECONDS"))
    var trimSilence: Double?

    @Flag(help: "Normalise loudness to --loudness-target.")
    var normalize = false

    @Option(name: .customLong("loudness-target"), help: ArgumentHelp("Loudness target for --normalize.", valueName: "LUFS"))
    var loudnessTarget: Double = -16

    func options(orientation: Orientation) throws -> PreparationOptions {
        var options = PreparationOptions()
        options.photo.reframe = reframe
        options.photo.orientation = orientation
        options.photo.format = photoFormat
        guard let color = RGBColor(parsing: background) else {
            throw UsageError("--background \(background): give a colour as #rrggbb")
        }
        options.photo.background = color
        options.audio.container = audioFormat
        options.audio.channels = channels
        if let sampleRate, ![44100, 48000].contains(sampleRate) {
            throw UsageError("--sample-rate \(sampleRate): choose 44100 or 48000")
        }
        options.audio.sampleRate = sampleRate
        options.audio.trimSilenceMargin = try trimSilence.map(ArgumentCheck.silenceMargin)
        _ = try ArgumentCheck.loudness(String(loudnessTarget), flag: "--loudness-target")
        options.audio.loudnessTarget = normalize ? loudnessTarget : nil
        return options
    }
}

/// Checks shared by the commands' flags.
enum ArgumentCheck {
    /// A margin of silence in seconds (`--trim-silence`).
    static func silenceMargin(_ value: Double) throws -> Double {
        guard value >= 0, value.isFinite else { throw UsageError("--trim-silence takes a margin in seconds, 0 or more") }
        return value
    }

    /// A loudness target in LUFS, from -40 to -5; with `allowsOff`, `off` gives nil (keep the level).
    static func loudness(_ text: String, flag: String, allowsOff: Bool = false) throws -> Double? {
        if allowsOff && text.lowercased() == "off" { return nil }
        guard let value = Double(text), (-40.0 ... -5.0).contains(value) else {
            throw UsageError("\(flag) \(text): choose a target between -40 and -5 LUFS" + (allowsOff ? ", or off" : ""))
        }
        return value
    }
}
