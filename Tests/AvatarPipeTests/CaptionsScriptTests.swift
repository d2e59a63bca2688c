@testable import AvatarPipe
import Foundation
import Testing

/// Cutting a script into sentences, words and cues, with timing estimated from syllables
/// (no audio): the line and cue rules on awkward scripts.
@Suite struct CaptionsScriptTests {
    /// Words timed at `syllablesPerSecond`, with `pause` seconds between sentences.
    static func timing(_ script: CaptionScript, syllablesPerSecond: Double = 4.5, pause: Double = 0.4) -> CueBuilder.Timing {
        var starts: [Double] = [], ends: [Double] = []
        var time = 0.5
        for (index, word) in script.words.enumerated() {
            if index > 0, word.sentence != script.words[index - 1].sentence { time += pause }
            starts.append(time)
            time += Double(word.continuesWord ? 0 : max(word.syllables, 1)) / syllablesPerSecond
            ends.append(time)
        }
        return CueBuilder.Timing(starts: starts, ends: ends, duration: time + 1)
    }

    static func cues(_ text: String, options: CaptionOptions = CaptionOptions(), pause: Double = 0.4) -> (CaptionScript, [CaptionCue]) {
        let script = CaptionScript(text, maxWordLength: options.maxLineLength)
        let builder = CueBuilder(script: script, options: options)
        return (script, builder.cues(timing(script, pause: pause)).cues)
    }

    /// The rules every track must keep, whatever the script.
    static func checkRules(_ cues: [CaptionCue], script: CaptionScript, options: CaptionOptions = CaptionOptions(),
                           sourceLocation: SourceLocation = #_sourceLocation) {
        var nextWord = 0
        var previousEnd = -Double.infinity
        for cue in cues {
            #expect(!cue.lines.isEmpty && cue.lines.count <= options.maxLines, "cue \(cue.lines)", sourceLocation: sourceLocation)
            for line in cue.lines {
                #expect(line.count <= options.maxLineLength, "line of \(line.count) characters: \(line)", sourceLocation: sourceLocation)
                #expect(!line.isEmpty && line == line.trimmingCharacters(in: .whitespaces), sourceLocation: sourceLocation)
            }
            #expect(cue.end > cue.start, sourceLocation: sourceLocation)
            #expect(cue.duration <= options.maxCueDuration + 1e-6, "cue of \(cue.duration) s: \(cue.text)", sourceLocation: sourceLocation)
            #expect(cue.start - previousEnd >= options.minGap - 1e-6, "gap \(cue.start - previousEnd) s before \(cue.text)",
                    sourceLocation: sourceLocation)
            #expect(cue.firstWord == nextWord, "cues cover every word once, in order", sourceLocation: sourceLocation)
            nextWord = cue.firstWord + cue.wordCount
            previousEnd = cue.end
        }
        #expect(nextWord == script.words.count, sourceLocation: sourceLocation)
        // The words shown are the script's words, in order.
        let shown = cues.flatMap { $0.lines }.joined(separator: " ").split(separator: " ").joined()
        let words = script.words.map(\.text).joined()
        #expect(shown == words, sourceLocation: sourceLocation)
    }

    @Test func sentencesAroundAbbreviationsAndNumbers() {
        let script = CaptionScript("""
        Dr. Smith met Mr. Jones at 10 a.m. on Monday, e.g. for coffee. Prices rose 3.5% to $1,234.50 last year! \
        J. K. Rowling wrote it. See No. 5 for details. The answer is no. "Stop!" she said. Was it etc. or not? \
        It ended... Then it began again.
        """)
        #expect(script.sentences.map(\.text) == [
            "Dr. Smith met Mr. Jones at 10 a.m. on Monday, e.g. for coffee.",
            "Prices rose 3.5% to $1,234.50 last year!",
            "J. K. Rowling wrote it.",
            "See No. 5 for details.",
            "The answer is no.",
            "\"Stop!\" she said.",
            "Was it etc. or not?",
            "It ended...",
            "Then it began again.",
        ])
    }

    @Test func blankLinesEndSentencesAndSingleNewlinesDoNot() {
        let script = CaptionScript("A title without a stop\n\nThe first line\ncontinues here.\n  \nLast one")
        #expect(script.sentences.map(\.text) == ["A title without a stop", "The first line continues here.", "Last one"])
    }

    @Test func wordOffsetsPointIntoTheSpokenSentence() {
        let script = CaptionScript("Café  owners   say “hello”. Then naïve ideas.")
        for word in script.words where !word.continuesWord {
            let scalars = Array(script.sentences[word.sentence].text.unicodeScalars)
            let text = String(String.UnicodeScalarView(scalars[word.offset..<(word.offset + word.length)]))
            #expect(text == word.text)
        }
    }

    @Test func syllableEstimates() {
        #expect(CaptionScript.syllables(in: "make") == 1)
        #expect(CaptionScript.syllables(in: "table") == 2)
        #expect(CaptionScript.syllables(in: "alignment,") == 3)
        #expect(CaptionScript.syllables(in: "HTML") == 4)
        #expect(CaptionScript.syllables(in: "2024") >= 4)
        #expect(CaptionScript.syllables(in: "—") == 1)
    }

    @Test func typicalScriptKeepsEveryRuleAndBreaksWell() {
        let text = """
        Welcome to our product tour. In the next few minutes, we will show you how to create a talking avatar \
        from a single photo, how to choose a voice, and how to publish the finished video on your own website. \
        First, upload a clear portrait with good lighting. The tool checks the picture before anything is paid for, \
        so you will know right away whether the face is large enough and well framed. Then type your script or \
        record your own voice. When the render is ready, you get versions for every screen, a poster, thumbnails \
        and captions that follow the speech.
        """
        let (script, cues) = Self.cues(text)
        Self.checkRules(cues, script: script)
        let options = CaptionOptions()
        for cue in cues {
            #expect(cue.duration >= options.minCueDuration - 1e-6, "\(cue.text) lasts \(cue.duration) s")
            #expect(cue.charactersPerSecond <= options.maxCharactersPerSecond + 1e-6, "\(cue.text): \(cue.charactersPerSecond) cps")
            // No line ends on an article or a preposition that belongs to what follows.
            for line in cue.lines {
                let last = line.split(separator: " ").last.map { String($0).lowercased() } ?? ""
                #expect(!["a", "an", "the", "to", "of", "and", "your", "with"].contains(last), "line ends on \"\(last)\": \(line)")
            }
        }
        // Sentence ends are cue or line ends.
        for cue in cues where cue.lines.count == 2 {
            #expect(!cue.lines[0].contains(". ") || cue.lines[0].hasSuffix("."), "\(cue.lines)")
        }
    }

    @Test func scriptWithoutPunctuationIsStillCut() {
        let words = (0..<400).map { ["we", "make", "videos", "for", "people", "who", "like", "clear", "simple", "tools"][$0 % 10] }
        let (script, cues) = Self.cues(words.joined(separator: " "))
        #expect(script.sentences.count == 1)
        #expect(cues.count > 20)
        Self.checkRules(cues, script: script)
    }

    @Test func longWordsAreCutToFitALine() {
        let url = "https://example.com/a/very/long/path/that/goes/on/and/on/for/ever/index.html"
        let (script, cues) = Self.cues("Visit \(url) today. Supercalifragilisticexpialidocious is long too.")
        Self.checkRules(cues, script: script)
        #expect(script.words.contains { $0.continuesWord })
        #expect(cues.flatMap(\.lines).joined().contains("index.html"))
    }

    @Test func fiveThousandCharacterScript() {
        var sentences: [String] = []
        var generator = SystemRandomNumberGenerator()
        let vocabulary = ["the", "quick", "team", "builds", "video", "tools", "for", "every", "customer", "with", "care",
                          "and", "a", "lot", "of", "patience", "because", "quality", "matters", "to", "us", "Dr.", "e.g.",
                          "2024", "$3.5", "supercalifragilistic", "in", "on", "which"]
        var length = 0
        while length < 5000 {
            let count = Int.random(in: 3...30, using: &generator)
            var words = (0..<count).map { _ in vocabulary.randomElement(using: &generator)! }
            words[0] = words[0].capitalized
            let sentence = words.joined(separator: " ") + [".", "!", "?", ","].randomElement(using: &generator)!
            sentences.append(sentence)
            length += sentence.count + 1
        }
        let text = String(sentences.joined(separator: " ").prefix(5000))
        let (script, cues) = Self.cues(text)
        Self.checkRules(cues, script: script)
        // Slow speech with long pauses and fast speech without them keep the rules too.
        for (rate, pause) in [(2.5, 1.5), (7.0, 0.05)] {
            let builder = CueBuilder(script: script, options: CaptionOptions())
            Self.checkRules(builder.cues(Self.timing(script, syllablesPerSecond: rate, pause: pause)).cues, script: script)
        }
    }

    @Test func oneLineOptionAndOtherFrameRates() {
        var options = CaptionOptions()
        options.maxLines = 1
        options.maxLineLength = 32
        options.frameRate = 30
        options.minGapFrames = 3
        let (script, cues) = Self.cues("This is a short test of the options. It has two sentences, and a comma.", options: options)
        Self.checkRules(cues, script: script, options: options)
        #expect(cues.allSatisfy { $0.lines.count == 1 })
    }

    @Test func collapsedTimesStillMakeOrderedCues() {
        let script = CaptionScript("One. Two three. Four five six. Seven.")
        let count = script.words.count
        let timing = CueBuilder.Timing(starts: [Double](repeating: 2, count: count), ends: [Double](repeating: 2, count: count), duration: 3)
        let cues = CueBuilder(script: script, options: CaptionOptions()).cues(timing).cues
        Self.checkRules(cues, script: script)
    }
}
