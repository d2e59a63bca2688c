import Foundation

/// Captions drawn into the picture (`--burn-captions`): the cues as an ASS script whose
/// coordinates are the video's own pixels, so the size is exact on every aspect. White
/// DejaVu Sans with a dark outline on a translucent box, low in the frame: readable on a
/// phone over any background. The renditions' filter (libavfilter's `ass`, libass) draws it
/// once at the source's size; each rung is scaled from there.
public enum BurnedCaptions {
    /// Text height in pixels for a `width`×`height` video: about 6% of the short side, and
    /// small enough that a 42-character line fits the width of a portrait video.
    public static func fontSize(width: Int, height: Int) -> Int {
        let byHeight = 0.06 * Double(min(width, height)) * (width >= height ? 1 : 1.35)
        let byWidth = Double(width) * 0.92 / (42 * 0.55)
        return max(12, Int(min(byHeight, byWidth).rounded()))
    }

    public static func assScript(_ cues: [CaptionCue], width: Int, height: Int) -> String {
        let size = fontSize(width: width, height: height)
        let outline = max(1, size / 10)
        let marginV = Int(Double(height) * (width >= height ? 0.06 : 0.12))
        let marginH = max(16, width / 20)
        var text = """
        [Script Info]
        ScriptType: v4.00+
        PlayResX: \(width)
        PlayResY: \(height)
        WrapStyle: 0
        ScaledBorderAndShadow: yes

        [V4+ Styles]
        Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
        Style: Caption,DejaVu Sans,\(size),&H00FFFFFF,&H00FFFFFF,&H00101010,&H80000000,0,0,0,0,100,100,0,0,1,\(outline),\(max(1, size / 20)),2,\(marginH),\(marginH),\(marginV),1

        [Events]
        Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text

        """
        for cue in cues {
            let lines = cue.lines.map(escape).joined(separator: "\\N")
            text += "Dialogue: 0,\(time(cue.start)),\(time(cue.end)),Caption,,0,0,0,,\(lines)\n"
        }
        return text
    }

    /// Writes the script to `path` (replacing it).
    public static func write(_ cues: [CaptionCue], width: Int, height: Int, to path: String) throws {
        try JobFilesystem.write(Data(assScript(cues, width: width, height: height).utf8), to: path)
    }

    /// H:MM:SS.cc, ASS's centiseconds.
    static func time(_ seconds: Double) -> String {
        let total = Int((max(seconds, 0) * 100).rounded())
        return String(format: "%d:%02d:%02d.%02d", total / 360_000, (total / 6000) % 60, (total / 100) % 60, total % 100)
    }

    /// Braces start override tags and a backslash escapes in ASS; neither may pass through as such.
    static func escape(_ line: String) -> String {
        line.replacingOccurrences(of: "\\", with: "\u{29F5}")
            .replacingOccurrences(of: "{", with: "(")
            .replacingOccurrences(of: "}", with: ")")
    }
}
