@testable import AvatarPipe
import Foundation
import Testing
import TestSupport

/// WebVTT and SubRip output, judged by FFmpeg's own subtitle demuxers.
@Suite struct CaptionsFormatTests {
    static func cue(_ start: Double, _ end: Double, _ lines: [String]) -> CaptionCue {
        CaptionCue(start: start, end: end, lines: lines, speechStart: start, speechEnd: end, firstSentence: 0, lastSentence: 0,
                   firstWord: 0, wordCount: 1, startsSentence: true, endsSentence: true)
    }

    static let cues = [
        cue(0.013, 2.5, ["Hello & welcome <everyone>!", "The arrow --> is text here."]),
        cue(2.58, 5.0, ["Second cue, one line."]),
        cue(3661.5, 3663.0004, ["An hour later."]),
    ]

    @Test func timestamps() {
        #expect(CaptionWriter.timestamp(0, separator: ".") == "00:00:00.000")
        #expect(CaptionWriter.timestamp(3661.5, separator: ".") == "01:01:01.500")
        #expect(CaptionWriter.timestamp(59.9996, separator: ",") == "00:01:00,000")
        #expect(CaptionWriter.timestamp(-1, separator: ",") == "00:00:00,000")
    }

    @Test func webVTTText() {
        let text = CaptionWriter.webVTT(Self.cues)
        #expect(text.hasPrefix("WEBVTT\n\n"))
        #expect(text.contains("00:00:00.013 --> 00:00:02.500\nHello &amp; welcome &lt;everyone&gt;!\nThe arrow --&gt; is text here.\n\n"))
        #expect(text.contains("01:01:01.500 --> 01:01:03.000\n"))
        #expect(!text.contains(" --> is"))
    }

    @Test func srtText() {
        let text = CaptionWriter.srt(Self.cues)
        #expect(text.hasPrefix("1\n00:00:00,013 --> 00:00:02,500\nHello & welcome <everyone>!\n"))
        #expect(text.contains("\n\n2\n00:00:02,580 --> 00:00:05,000\nSecond cue, one line.\n\n3\n"))
    }

    /// ffprobe's packets of a subtitle file: (start, duration) of each cue.
    static func packets(_ path: String) -> [(Double, Double)] {
        Judge.ffprobe(["-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", path]).stdout
            .split(separator: "\n").compactMap { line in
                let fields = line.split(separator: ",").compactMap { Double($0) }
                return fields.count >= 2 ? (fields[0], fields[1]) : nil
            }
    }

    @Test func ffmpegReadsBothFormats() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let track = CaptionTrack(cues: Self.cues, method: .aligned, reliable: true, messages: [], diagnostics: CaptionsFormatTests.diagnostics)
        let files = try track.write(to: directory.file("job"))
        #expect(Judge.probeValue(files.webVTT, entry: "stream=codec_name") == "webvtt")
        #expect(Judge.probeValue(files.srt, entry: "stream=codec_name") == "subrip")
        for path in [files.webVTT, files.srt] {
            let packets = Self.packets(path)
            #expect(packets.count == Self.cues.count, "\(path): \(packets)")
            for (packet, cue) in zip(packets, Self.cues) {
                #expect(abs(packet.0 - cue.start) < 0.0015 && abs(packet.0 + packet.1 - cue.end) < 0.0015, "\(packet) for \(cue.start)–\(cue.end)")
            }
        }
        // WebVTT to SubRip and back through FFmpeg keeps the cues and their lines.
        let converted = directory.file("converted.srt"), back = directory.file("back.vtt")
        #expect(Judge.ffmpeg(["-v", "error", "-y", "-i", files.webVTT, converted]).status == 0)
        #expect(Judge.ffmpeg(["-v", "error", "-y", "-i", converted, back]).status == 0)
        let text = try String(contentsOfFile: converted, encoding: .utf8)
        #expect(text.contains("Second cue, one line."))
        #expect(text.contains("Hello & welcome"))
        #expect(Self.packets(back).count == Self.cues.count)
        // No temporary files are left next to the outputs.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.file("job")).sorted()
        #expect(names == ["captions.srt", "captions.vtt"])
    }

    static let diagnostics = CaptionDiagnostics(
        pathCost: nil, minimumCostRatio: nil, reversedCostRatio: nil, failureScore: nil, collapsedFraction: nil, snrDB: nil,
        audioDuration: 10, speechStart: nil, speechEnd: nil, sentences: 1, words: 1, wordsPerMinute: nil, synthesisPasses: 0, suspectSentences: [],
        snappedEdges: 0, snapWindow: 0, seconds: 0, decodeSeconds: 0, synthesisSeconds: 0, alignmentSeconds: 0)
}
