import Foundation

/// One caption: when it is shown, its lines, and when the speech it carries starts and ends.
public struct CaptionCue: Sendable, Equatable, Codable {
    /// Shown from `start` to `end`, in seconds.
    public var start: Double
    public var end: Double
    /// At most two lines of at most 42 characters (by default).
    public var lines: [String]
    /// The speech of the cue as aligned (the end may be earlier than `end`, which holds the
    /// cue long enough to be read, or later, to leave the gap before the next cue).
    public var speechStart: Double
    public var speechEnd: Double
    /// The script's sentences the cue holds (0-based, inclusive), and its words.
    public var firstSentence: Int
    public var lastSentence: Int
    public var firstWord: Int
    public var wordCount: Int
    /// Whether the cue begins with its first sentence and ends with its last one (rather
    /// than inside a sentence too long for one cue).
    public var startsSentence: Bool
    public var endsSentence: Bool

    public var text: String { lines.joined(separator: " ") }
    public var duration: Double { end - start }
    /// Characters a second, counting the characters of the lines.
    public var charactersPerSecond: Double { Double(lines.reduce(0) { $0 + $1.count }) / max(duration, 0.001) }
}

/// Captions of a whole script, how they were timed, and how well.
public struct CaptionTrack: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable {
        /// Forced alignment against synthesised speech.
        case aligned
        /// Alignment failed: words spread over the detected speech by syllables.
        case fallback
    }

    public var cues: [CaptionCue]
    public var method: Method
    /// False when the timing should not be trusted: alignment failed, or the speech is too
    /// noisy (SNR under about 5 dB). Sentences that seem not to follow the script are named
    /// in `messages` and `diagnostics.suspectSentences` without making the track unreliable.
    public var reliable: Bool
    /// Why the track is not reliable, or what was done about it.
    public var messages: [String]
    public var diagnostics: CaptionDiagnostics

    /// The track as a WebVTT file.
    public var webVTT: String { CaptionWriter.webVTT(cues) }
    /// The track as a SubRip file.
    public var srt: String { CaptionWriter.srt(cues) }
}

/// What the alignment measured, for judging a track and for benchmarks.
public struct CaptionDiagnostics: Sendable, Equatable, Codable {
    /// The mean distance per cell along the DTW path (normalised features; nil in fallback
    /// without alignment).
    public var pathCost: Double?
    /// How much the path costs over the speech, against the cheapest frame in reach of each
    /// real frame (matching speech: about 1.3–1.5; a script that does not match: more).
    public var minimumCostRatio: Double?
    /// The path's cost against that of aligning with the reference played backwards, which
    /// has the same sounds in no sensible order (matching speech: well under 1; else about 1).
    public var reversedCostRatio: Double?
    /// minimumCostRatio + 2 × reversedCostRatio; alignment fails above 3.33.
    public var failureScore: Double?
    /// Share of sentences whose aligned length is under a third or over three times their
    /// synthetic length.
    public var collapsedFraction: Double?
    public var snrDB: Double?
    public var audioDuration: Double
    public var speechStart: Double?
    public var speechEnd: Double?
    public var sentences: Int
    public var words: Int
    /// espeak-ng's rate after matching the speech's.
    public var wordsPerMinute: Int?
    /// Syntheses of the whole script it took to match the rate (the estimate from a sample
    /// of it not counted).
    public var synthesisPasses: Int
    /// Sentences (0-based) whose stretch of the alignment costs far more than the others':
    /// probably not spoken as written (missing, added, or reworded).
    public var suspectSentences: [Int]
    /// Cue edges moved to a speech onset or offset found by voice-activity detection, and
    /// how far they were allowed to move (narrower in noise).
    public var snappedEdges: Int
    public var snapWindow: Double
    /// Wall-clock seconds: all of it, and the parts.
    public var seconds: Double
    public var decodeSeconds: Double
    public var synthesisSeconds: Double
    public var alignmentSeconds: Double
}

public struct CaptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case emptyScript = "script.empty"
        case noSpeech = "audio.no_speech"
        case synthesis = "speech.synthesis"
    }

    public var code: Code
    public var message: String
    public var description: String { message }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// WebVTT and SubRip text of a list of cues.
public enum CaptionWriter {
    public static func webVTT(_ cues: [CaptionCue]) -> String {
        var text = "WEBVTT\n\n"
        for (index, cue) in cues.enumerated() {
            text += "\(index + 1)\n"
            text += "\(timestamp(cue.start, separator: ".")) --> \(timestamp(cue.end, separator: "."))\n"
            text += cue.lines.map(escapeVTT).joined(separator: "\n") + "\n\n"
        }
        return text
    }

    public static func srt(_ cues: [CaptionCue]) -> String {
        var text = ""
        for (index, cue) in cues.enumerated() {
            text += "\(index + 1)\n"
            text += "\(timestamp(cue.start, separator: ",")) --> \(timestamp(cue.end, separator: ","))\n"
            text += cue.lines.joined(separator: "\n") + "\n\n"
        }
        return text
    }

    /// HH:MM:SS.mmm (or ,mmm for SRT), rounded to the millisecond.
    public static func timestamp(_ seconds: Double, separator: String) -> String {
        let total = Int((max(seconds, 0) * 1000).rounded())
        let milliseconds = total % 1000, secondsPart = (total / 1000) % 60
        let minutes = (total / 60_000) % 60, hours = total / 3_600_000
        return String(format: "%02d:%02d:%02d%@%03d", hours, minutes, secondsPart, separator, milliseconds)
    }

    /// Cue text may not hold "&", "<" or "-->" as such in WebVTT.
    static func escapeVTT(_ line: String) -> String {
        line.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
