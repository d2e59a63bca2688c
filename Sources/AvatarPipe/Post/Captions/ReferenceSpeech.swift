import Foundation

/// The script spoken by libespeak-ng as the reference the real speech is aligned to: each
/// sentence synthesised on its own, trimmed at -45 dBFS, resampled to 16 kHz and joined with
/// 0.3 s of silence, so that where every sentence (and, from espeak's word events, every
/// word) starts and ends is known to the sample.
struct ReferenceSpeech: Sendable {
    var samples: [Float]
    /// Per sentence, its samples in `samples` (empty for a sentence with nothing audible).
    var sentenceSpans: [Range<Int>]
    /// Per script word, where it starts in `samples`.
    var wordStarts: [Int]
    var wordsPerMinute: Int
    /// Speaking time: the sentences less their inner pauses of 200 ms or more.
    var speakingTime: Double

    static let sampleRate = MelFeatures.sampleRate
    static let joinSeconds = 0.3
    /// Silence before the first and after the last sentence, as the real speech keeps when it
    /// is cut to its span (±50 ms).
    static let edgeSeconds = 0.05
    static let trimLevel: Float = 0.005_62 // -45 dBFS

    /// One sentence as espeak spoke it, trimmed, still at espeak's rate.
    struct TrimmedSentence: Sendable {
        var samples: ArraySlice<Float>
        /// Per word of the sentence: its start in `samples` (relative to the slice's start),
        /// nil where espeak reported no word event for it.
        var wordStarts: [Int?]
        var sampleRate: Int
        var speakingTime: Double
    }

    static func synthesize(_ script: CaptionScript, sentences indices: [Int], voice: String,
                           wordsPerMinute: Int) throws -> [TrimmedSentence] {
        let texts = indices.map { script.sentences[$0].text }
        let spoken: [SynthesizedSpeech]
        do {
            spoken = try SpeechSynthesizer.synthesizeEach(texts, voice: voice, wordsPerMinute: wordsPerMinute)
        } catch let error as SpeechSynthesizer.Failure {
            throw CaptionError(.synthesis, "the reference speech could not be made: \(error.description)")
        }
        return zip(indices, spoken).map { index, speech in trim(speech, words: script.words[script.sentences[index].words]) }
    }

    static func trim(_ speech: SynthesizedSpeech, words: ArraySlice<CaptionScript.Word>) -> TrimmedSentence {
        let samples = speech.samples
        let first = samples.firstIndex { abs($0) > trimLevel } ?? samples.count
        let last = (samples.lastIndex { abs($0) > trimLevel } ?? -1) + 1
        let slice = first < last ? samples[first..<last] : samples[0..<0]
        var starts = [Int?](repeating: nil, count: words.count)
        let wordList = Array(words)
        for event in speech.words {
            let position = event.textPosition - 1
            // The word the event's text position falls in (or the next one after a gap).
            guard let index = wordList.lastIndex(where: { $0.offset <= position && !$0.continuesWord }) ?? wordList.indices.first else { continue }
            let sample = min(max(event.sample - first, 0), slice.count)
            if starts[index] == nil || sample < starts[index]! { starts[index] = sample }
        }
        if !starts.isEmpty { starts[0] = 0 }
        return TrimmedSentence(samples: slice, wordStarts: starts, sampleRate: speech.sampleRate,
                               speakingTime: speakingTime(of: slice, sampleRate: speech.sampleRate))
    }

    /// Duration less pauses of 200 ms or more (10 ms windows under -45 dBFS RMS).
    static func speakingTime(of samples: ArraySlice<Float>, sampleRate: Int) -> Double {
        let window = sampleRate / 100
        guard window > 0, samples.count >= window else { return Double(samples.count) / Double(sampleRate) }
        let threshold = trimLevel * trimLevel * Float(window)
        var quietRun = 0, pauses = 0
        var index = samples.startIndex
        while index + window <= samples.endIndex {
            var energy: Float = 0
            for n in index..<(index + window) { energy += samples[n] * samples[n] }
            if energy < threshold {
                quietRun += 1
            } else {
                if quietRun >= 20 { pauses += quietRun }
                quietRun = 0
            }
            index += window
        }
        return Double(samples.count - pauses * window) / Double(sampleRate)
    }

    /// Joins the sentences at 16 kHz and places every word.
    init(_ sentences: [TrimmedSentence], script: CaptionScript, wordsPerMinute: Int) {
        let rate = ReferenceSpeech.sampleRate
        let join = Int(ReferenceSpeech.joinSeconds * Double(rate))
        let edge = Int(ReferenceSpeech.edgeSeconds * Double(rate))
        var samples = [Float](repeating: 0, count: edge)
        var spans: [Range<Int>] = []
        var wordStarts = [Int](repeating: 0, count: script.words.count)
        for (index, sentence) in sentences.enumerated() {
            if index > 0 { samples += [Float](repeating: 0, count: join) }
            let start = samples.count
            let resampled = Resampler.to16k(sentence.samples, from: sentence.sampleRate)
            samples += resampled
            spans.append(start..<samples.count)
            let scale = Double(rate) / Double(sentence.sampleRate)
            let words = script.sentences[index].words
            // Words espeak gave no event for are placed between their neighbours by syllables.
            var known: [(word: Int, sample: Int)] = []
            for (offset, value) in sentence.wordStarts.enumerated() {
                if let value { known.append((offset, start + Int((Double(value) * scale).rounded()))) }
            }
            known.append((words.count, samples.count))
            var previous = (word: 0, sample: start)
            if known.first?.word != 0 { known.insert(previous, at: 0) }
            for anchor in known {
                let span = previous.word..<anchor.word
                let weights = span.map { max(script.words[words.lowerBound + $0].syllables, 0) + 1 }
                let total = max(weights.reduce(0, +), 1)
                var cumulative = 0
                for (k, offset) in span.enumerated() {
                    let position = previous.sample + (anchor.sample - previous.sample) * cumulative / total
                    wordStarts[words.lowerBound + offset] = position
                    cumulative += weights[k]
                }
                previous = anchor
            }
            // Starts never go backwards (events out of order would otherwise do so).
            var floor = start
            for word in words { wordStarts[word] = max(wordStarts[word], floor); floor = wordStarts[word] }
        }
        samples += [Float](repeating: 0, count: edge)
        self.samples = samples
        self.sentenceSpans = spans
        self.wordStarts = wordStarts
        self.wordsPerMinute = wordsPerMinute
        self.speakingTime = sentences.reduce(0) { $0 + $1.speakingTime }
    }
}

/// Sample-rate conversion to 16 kHz by a polyphase windowed-sinc filter (32 taps, cut-off
/// 7.4 kHz, Blackman window), for espeak-ng's 22 050 Hz.
enum Resampler {
    private struct Table: Sendable {
        var interpolation: Int
        var decimation: Int
        var taps: Int
        var coefficients: [Float]
    }

    private static let table22050: Table = makeTable(from: 22050, to: 16000)

    static func to16k(_ input: ArraySlice<Float>, from rate: Int) -> [Float] {
        if rate == 16000 { return Array(input) }
        let table = rate == 22050 ? table22050 : makeTable(from: rate, to: 16000)
        return resample(input, table)
    }

    private static func makeTable(from input: Int, to output: Int) -> Table {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let divisor = gcd(input, output)
        let up = output / divisor, down = input / divisor
        let taps = 32, half = taps / 2 // taps must be a multiple of 4
        let cutoff = min(7400.0, 0.46 * Double(min(input, output))) / Double(input) // cycles per input sample
        var coefficients = [Float](repeating: 0, count: up * taps)
        for phase in 0..<up {
            let fraction = Double(phase) / Double(up)
            var row = [Double](repeating: 0, count: taps)
            for k in 0..<taps {
                let t = Double(k - half + 1) - fraction
                let x = 2 * cutoff * t
                let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
                let position = (t + Double(half)) / Double(taps) // 0…1 across the window
                let window = 0.42 - 0.5 * cos(2 * Double.pi * position) + 0.08 * cos(4 * Double.pi * position)
                row[k] = 2 * cutoff * sinc * max(window, 0)
            }
            let sum = row.reduce(0, +)
            for k in 0..<taps { coefficients[phase * taps + k] = Float(row[k] / sum) }
        }
        return Table(interpolation: up, decimation: down, taps: taps, coefficients: coefficients)
    }

    private static func resample(_ input: ArraySlice<Float>, _ table: Table) -> [Float] {
        let count = input.count
        guard count > 0 else { return [] }
        let outputCount = count * table.interpolation / table.decimation
        let taps = table.taps, half = taps / 2
        // The input with `taps` zeros on both sides, so the loop needs no edge checks.
        var padded = [Float](repeating: 0, count: count + 2 * taps)
        padded.withUnsafeMutableBufferPointer { buffer in
            input.withUnsafeBufferPointer { source in
                (buffer.baseAddress! + taps).update(from: source.baseAddress!, count: count)
            }
        }
        return [Float](unsafeUninitializedCapacity: outputCount) { output, initialized in
            padded.withUnsafeBufferPointer { padded in
                table.coefficients.withUnsafeBufferPointer { coefficients in
                    let base = padded.baseAddress!, weights = coefficients.baseAddress!
                    for n in 0..<outputCount {
                        let position = n * table.decimation
                        let index = position / table.interpolation
                        let phase = position - index * table.interpolation
                        let x = UnsafeRawPointer(base + taps + index - half + 1)
                        let h = UnsafeRawPointer(weights + phase * taps)
                        // Four lanes at a time: 32 taps are eight SIMD4 products.
                        var sum = SIMD4<Float>()
                        var offset = 0
                        while offset < taps * 4 {
                            sum += x.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                                * h.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                            offset += 16
                        }
                        output[n] = sum.sum()
                    }
                }
            }
            initialized = outputCount
        }
    }
}
