import Foundation

/// Cuts timed words into cues by the usual rules: lines of at most 42 characters, at most
/// two lines, breaks at sentence ends, then clause punctuation, then before conjunctions and
/// prepositions, never after "a", "the", "to"… when it can be helped; cues of 5/6 s to 7 s at
/// no more than about 17–20 characters a second; a gap of at least two frames between cues.
/// The cut is chosen by dynamic programming over the words, so every cue is weighed with
/// the time its words take.
struct CueBuilder {
    let script: CaptionScript
    let options: CaptionOptions
    private let lengths: [Int]
    private let prefix: [Int]
    /// The cost of breaking after each word (lower is a better place to break).
    private let breakCosts: [Double]
    private let sentenceEnds: [Bool]

    init(script: CaptionScript, options: CaptionOptions) {
        self.script = script
        self.options = options
        let words = script.words
        lengths = words.map(\.text.count)
        var sums = [0]
        for length in lengths { sums.append(sums[sums.count - 1] + length) }
        prefix = sums
        sentenceEnds = words.indices.map { $0 + 1 == words.count || words[$0 + 1].sentence != words[$0].sentence }
        breakCosts = words.indices.map { CueBuilder.breakCost(after: $0, in: words) }
    }

    /// Characters of words a..<b on one line.
    private func characters(_ a: Int, _ b: Int) -> Int {
        prefix[b] - prefix[a] + joinCount(a, b)
    }

    /// Spaces between words a..<b (a piece of a long word joins the previous one without one).
    private func joinCount(_ a: Int, _ b: Int) -> Int {
        var count = 0
        if b - a > 1 { for index in (a + 1)..<b where !script.words[index].continuesWord { count += 1 } }
        return count
    }

    // MARK: Break costs

    static let conjunctions: Set<String> = [
        "and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while", "whereas", "if", "unless",
        "until", "since", "when", "whenever", "where", "wherever", "which", "who", "whom", "whose", "that", "than",
        "then", "however", "therefore", "whether", "once",
    ]
    static let prepositions: Set<String> = [
        "in", "on", "at", "for", "with", "from", "by", "about", "into", "onto", "through", "over", "under", "between",
        "among", "after", "before", "during", "without", "within", "across", "against", "along", "around", "behind",
        "beyond", "toward", "towards", "upon", "via", "like", "of", "to", "per", "despite", "except", "inside", "outside",
    ]
    /// Words a line should not end on.
    static let clingingWords: Set<String> = [
        "a", "an", "the", "to", "of", "and", "or", "but", "nor", "in", "on", "at", "for", "with", "by", "from", "into",
        "onto", "as", "than", "my", "your", "his", "her", "its", "our", "their", "this", "these", "those", "i", "we",
        "you", "he", "she", "they", "it's", "i'm", "we're", "you're", "is", "are", "was", "were", "be", "not", "no",
        "very", "some", "any", "each", "every", "all", "both", "more", "most", "such", "if", "that", "which", "who",
        "will", "would", "can", "could", "should", "must", "may", "might", "has", "have", "had", "do", "does", "did",
    ]
    static let titles: Set<String> = ["dr.", "mr.", "mrs.", "ms.", "prof.", "st.", "e.g.", "i.e.", "no.", "mt.", "vs."]

    static func bare(_ word: String) -> String {
        word.lowercased().trimmingCharacters(in: CharacterSet.punctuationCharacters.union(.symbols))
    }

    static func breakCost(after index: Int, in words: [CaptionScript.Word]) -> Double {
        guard index + 1 < words.count else { return 0 }
        let word = words[index], next = words[index + 1]
        if next.continuesWord { return 6 }
        if next.sentence != word.sentence { return 0 }
        let text = word.text.lowercased()
        var cost: Double
        if let last = text.last, ",;:".contains(last) || text.hasSuffix("—") || text.hasSuffix("–") || text.hasSuffix(")") {
            cost = 1
        } else if next.text.hasPrefix("—") || next.text.hasPrefix("–") || next.text.hasPrefix("(") || next.text == "-" {
            cost = 1
        } else if conjunctions.contains(bare(next.text)) {
            cost = 2
        } else if prepositions.contains(bare(next.text)) {
            cost = bare(next.text) == "of" ? 4 : 3
        } else {
            cost = 5
        }
        if let last = text.last, last.isLetter || last.isNumber, clingingWords.contains(bare(text)) { cost += 6 }
        if titles.contains(text) { cost += 12 }
        // "5 million", "20 percent": a number with what it counts.
        if text.contains(where: \.isNumber), let first = next.text.first, first.isLowercase { cost += 4 }
        return cost
    }

    // MARK: Cutting

    struct Timing {
        var starts: [Double]
        var ends: [Double]
        var duration: Double
    }

    struct Candidate {
        var words: Range<Int>
        var lines: [Range<Int>]
    }

    /// The best layout of words a..<b on at most `maxLines` lines, with its cost, or nil.
    private func layout(_ a: Int, _ b: Int) -> (lines: [Range<Int>], cost: Double)? {
        let limit = options.maxLineLength
        let total = characters(a, b)
        var sentenceCrossings: [Int] = []
        if b - a > 1 { for index in a..<(b - 1) where sentenceEnds[index] { sentenceCrossings.append(index) } }
        if total <= limit || b - a == 1 {
            return ([a..<b], Double(sentenceCrossings.count) * 3)
        }
        guard options.maxLines >= 2 else { return nil }
        var best: (lines: [Range<Int>], cost: Double)?
        for split in (a + 1)..<b {
            let first = characters(a, split), second = characters(split, b)
            guard first <= limit, second <= limit else { continue }
            var cost = breakCosts[split - 1] + 2 * Double(abs(first - second)) / Double(limit)
            for crossing in sentenceCrossings where crossing != split - 1 { cost += 3 }
            if sentenceCrossings.contains(split - 1) { cost += 1 }
            if best == nil || cost < best!.cost { best = ([a..<split, split..<b], cost) }
        }
        return best
    }

    /// What showing words a..<b as one cue costs, given their times.
    private func cueCost(_ a: Int, _ b: Int, layoutCost: Double, timing: Timing) -> Double {
        let start = timing.starts[a], speechEnd = timing.ends[b - 1]
        let nextStart = b < timing.starts.count ? timing.starts[b] : max(timing.duration, speechEnd) + 10
        let available = min(nextStart - options.minGap, start + options.maxCueDuration) - start
        let speech = speechEnd - start
        let characters = Double(characters(a, b))
        let display = max(0.05, min(available, max(speech, options.minCueDuration, characters / options.maxCharactersPerSecond)))
        var cost = 1.5 + 3 * breakCosts[b - 1] + layoutCost
        if speech > options.maxCueDuration { cost += 40 * (speech - options.maxCueDuration) + 20 }
        if display < options.minCueDuration { cost += 30 * (options.minCueDuration - display) }
        let rate = characters / display
        if rate > options.maxCharactersPerSecond { cost += 4 * (rate - options.maxCharactersPerSecond) }
        if rate > options.comfortableCharactersPerSecond { cost += 0.5 * (rate - options.comfortableCharactersPerSecond) }
        return cost
    }

    /// The cheapest cut of all words into cues.
    func cut(_ timing: Timing) -> [Candidate] {
        let count = script.words.count
        guard count > 0 else { return [] }
        let capacity = options.maxLineLength * max(options.maxLines, 1)
        var best = [Double](repeating: .infinity, count: count + 1)
        var choice = [(start: Int, lines: [Range<Int>])](repeating: (0, []), count: count + 1)
        best[0] = 0
        for b in 1...count {
            var a = b - 1
            while a >= 0 {
                if b - a > 1 && characters(a, b) > capacity { break }
                if best[a].isFinite, let layout = layout(a, b) {
                    let cost = best[a] + cueCost(a, b, layoutCost: layout.cost, timing: timing)
                    if cost < best[b] { best[b] = cost; choice[b] = (a, layout.lines) }
                }
                a -= 1
            }
        }
        var candidates: [Candidate] = []
        var b = count
        while b > 0 {
            let (a, lines) = choice[b]
            candidates.append(Candidate(words: a..<b, lines: lines))
            b = a
        }
        return candidates.reversed()
    }

    /// The text of words `range` on one line.
    func line(_ range: Range<Int>) -> String {
        var text = ""
        for index in range {
            if index > range.lowerBound && !script.words[index].continuesWord { text += " " }
            text += script.words[index].text
        }
        return text
    }

    /// Cues with display times: each starts with its speech (moved to a detected onset when
    /// one is within the snap window), and ends with it, held longer when it is too short or
    /// too fast to read and the next cue leaves room, and cut to leave the gap before the next.
    func cues(_ timing: Timing, snapStart: (Double) -> Double? = { _ in nil },
              snapEnd: (Double) -> Double? = { _ in nil }) -> (cues: [CaptionCue], snapped: Int) {
        let candidates = cut(timing)
        var snapped = 0
        var starts: [Double] = [], speechEnds: [Double] = []
        for candidate in candidates {
            var start = timing.starts[candidate.words.lowerBound]
            var end = timing.ends[candidate.words.upperBound - 1]
            if let moved = snapStart(start) { start = moved; snapped += 1 }
            if let moved = snapEnd(end), moved > start { end = moved; snapped += 1 }
            starts.append(start)
            speechEnds.append(max(end, start))
        }
        let gap = options.minGap
        var cues: [CaptionCue] = []
        var previousEnd = -Double.infinity
        for (index, candidate) in candidates.enumerated() {
            // Milliseconds, so that the gaps survive the rounding of the files.
            func ms(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
            var start = ms(max(starts[index], previousEnd + gap, 0))
            let characters = Double(candidate.lines.reduce(0) { $0 + line($1).count })
            let next = index + 1 < candidates.count ? starts[index + 1] : max(timing.duration, speechEnds[index]) + options.maxCueDuration
            var end = max(speechEnds[index], start + options.minCueDuration, start + characters / options.maxCharactersPerSecond)
            end = min(end, next - gap, start + options.maxCueDuration)
            if index + 1 == candidates.count, timing.duration > start + 0.5 { end = min(end, max(timing.duration, speechEnds[index])) }
            // Times that collapsed (a failed alignment) still get a cue that can be seen.
            if end < start + 0.3 { end = start + 0.3 }
            start = ms(start)
            end = ms(end)
            let words = candidate.words
            let first = script.words[words.lowerBound].sentence, last = script.words[words.upperBound - 1].sentence
            cues.append(CaptionCue(
                start: start, end: end, lines: candidate.lines.map(line),
                speechStart: ms(starts[index]), speechEnd: ms(speechEnds[index]),
                firstSentence: first, lastSentence: last, firstWord: words.lowerBound, wordCount: words.count,
                startsSentence: script.sentences[first].words.lowerBound == words.lowerBound,
                endsSentence: script.sentences[last].words.upperBound == words.upperBound))
            previousEnd = end
        }
        return (cues, snapped)
    }
}
