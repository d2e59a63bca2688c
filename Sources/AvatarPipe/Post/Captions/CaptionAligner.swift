import AvatarMedia
import Foundation

/// Captions from a known script, timed to the real speech by forced alignment: the script is
/// spoken by libespeak-ng (sentence by sentence, at the speech's rate), both recordings are
/// turned into normalised log-mel spectra, banded DTW matches them frame by frame, and where
/// each sentence and word starts in the synthetic speech is carried over to the real one;
/// cue edges then move to the speech onsets and offsets voice-activity detection finds when
/// they are close. When the alignment fails (the script does not match the speech), the words
/// are spread over the detected speech by syllables instead, and the track says so.
public enum CaptionAligner {
    /// Captions for `script` timed to the speech in `audioPath` (any file FFmpeg reads,
    /// including the audio track of a video).
    public static func align(script: String, audioPath: String, options: CaptionOptions = CaptionOptions()) throws -> CaptionTrack {
        let started = DispatchTime.now()
        let parsed = try parse(script, options: options)
        // espeak-ng works out the speaking rate of a sample of the script while the audio decodes.
        let probe = RateProbe(script: parsed, voice: options.voice, run: !options.forceFallback)
        let samples: [Float]
        do { samples = try decode(audioPath) } catch { probe.wait(); throw error }
        let decoded = DispatchTime.now()
        return try align(parsed, samples: samples, path: audioPath, options: options, probe: probe,
                         started: started, decodeSeconds: seconds(started, decoded))
    }

    /// Captions for `script` timed to `samples`: mono speech at 16 kHz.
    public static func align(script: String, samples: [Float], options: CaptionOptions = CaptionOptions()) throws -> CaptionTrack {
        let started = DispatchTime.now()
        let parsed = try parse(script, options: options)
        let probe = RateProbe(script: parsed, voice: options.voice, run: !options.forceFallback)
        return try align(parsed, samples: samples, path: nil, options: options, probe: probe, started: started, decodeSeconds: 0)
    }

    static func parse(_ script: String, options: CaptionOptions) throws -> CaptionScript {
        let parsed = CaptionScript(script, maxWordLength: options.maxLineLength)
        guard !parsed.isEmpty else { throw CaptionError(.emptyScript, "the script is empty: there is nothing to caption") }
        return parsed
    }

    /// The audio as mono 16 kHz samples.
    static func decode(_ path: String) throws -> [Float] {
        let reader = try AudioReader(path: path, sampleRate: MelFeatures.sampleRate, mono: true)
        var samples: [Float] = []
        try reader.read { block in
            guard let channel = block.channels.first else { return }
            samples.append(contentsOf: channel)
        }
        return samples
    }

    static func seconds(_ from: DispatchTime, _ to: DispatchTime) -> Double {
        Double(to.uptimeNanoseconds - from.uptimeNanoseconds) / 1e9
    }

    // MARK: The whole run

    private static func align(_ script: CaptionScript, samples: [Float], path: String?, options: CaptionOptions,
                              probe: RateProbe, started: DispatchTime, decodeSeconds: Double) throws -> CaptionTrack {
        let duration = Double(samples.count) / Double(MelFeatures.sampleRate)
        let analysisStarted = DispatchTime.now()
        let (activity, realPower) = samples.withUnsafeBufferPointer { buffer in
            (VoiceActivity.detect(buffer), MelFeatures.power(of: buffer))
        }
        guard let span = activity.speechSpan else {
            probe.wait()
            let name = path.map { "\($0): " } ?? ""
            throw CaptionError(.noSpeech, "\(name)no speech found in \(String(format: "%.1f", duration)) s of audio: there is nothing to time the captions to")
        }
        var diagnostics = CaptionDiagnostics(
            pathCost: nil, minimumCostRatio: nil, reversedCostRatio: nil, failureScore: nil, collapsedFraction: nil,
            snrDB: activity.snrDB.map { ($0 * 10).rounded() / 10 }, audioDuration: duration,
            speechStart: span.start, speechEnd: span.end, sentences: script.sentences.count, words: script.words.count,
            wordsPerMinute: nil, synthesisPasses: 0, suspectSentences: [], snappedEdges: 0, snapWindow: 0,
            seconds: 0, decodeSeconds: decodeSeconds, synthesisSeconds: 0, alignmentSeconds: 0)
        var messages: [String] = []
        var aligned: CueBuilder.Timing?
        if options.forceFallback {
            messages.append("alignment skipped (forced): words are spread over the detected speech by syllables")
        } else {
            do {
                let outcome = try forcedAlignment(script, activity: activity, realPower: realPower, duration: duration,
                                                  options: options, probe: probe, diagnostics: &diagnostics)
                if let failure = outcome.failure {
                    messages.append("alignment failed (\(failure)): the script may not match the speech; "
                                    + "captions are spread over the detected speech by syllables instead")
                } else {
                    aligned = outcome.timing
                }
            } catch let error as CaptionError where error.code == .synthesis {
                messages.append("\(error.message): captions are spread over the detected speech by syllables instead")
            }
            diagnostics.alignmentSeconds = max(0, seconds(analysisStarted, DispatchTime.now()) - diagnostics.synthesisSeconds)
            if aligned != nil, !diagnostics.suspectSentences.isEmpty {
                let list = diagnostics.suspectSentences.map { "\($0 + 1) (\"\(script.sentences[$0].text.prefix(40))…\")" }
                messages.append("the speech may not follow the script around sentence\(list.count == 1 ? "" : "s") "
                                + list.joined(separator: ", ") + ": captions there may be mistimed")
            }
        }
        let method: CaptionTrack.Method = aligned == nil ? .fallback : .aligned
        let timing = aligned ?? SyllableSpread.timing(script, segments: activity.segments, duration: duration)
        let reliable = method == .aligned && (activity.snrDB ?? 99) >= options.minimumSNR
        if let snr = activity.snrDB, snr < options.minimumSNR {
            messages.append(String(format: "the speech is noisy (SNR about %.1f dB, under %.0f dB): caption times are unreliable",
                                   snr, options.minimumSNR))
        }

        let onsets = activity.segments.map(\.start), offsets = activity.segments.map(\.end)
        let window = snapWindow(options.snapWindow, snrDB: activity.snrDB)
        diagnostics.snapWindow = window
        let builder = CueBuilder(script: script, options: options)
        let (cues, snapped) = builder.cues(timing, snapStart: { nearest($0, in: onsets, within: window) },
                                           snapEnd: { nearest($0, in: offsets, within: window) })
        diagnostics.snappedEdges = snapped
        diagnostics.seconds = seconds(started, DispatchTime.now())
        return CaptionTrack(cues: cues, method: method, reliable: reliable, messages: messages, diagnostics: diagnostics)
    }

    /// How far a cue edge may move to a detected onset or offset. Detection is sharp in clean
    /// speech; in noise it finds onsets late and offsets early (the weak edges of words sink
    /// under the noise), so the window narrows from its full width at 30 dB SNR to nothing at
    /// 15 dB, where the alignment alone does better.
    static func snapWindow(_ full: Double, snrDB: Double?) -> Double {
        guard let snr = snrDB else { return full }
        return full * min(max((snr - 15) / 15, 0), 1)
    }

    /// The value of `sorted` nearest to `time`, if it is within `window`.
    static func nearest(_ time: Double, in sorted: [Double], within window: Double) -> Double? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < time { low = middle + 1 } else { high = middle }
        }
        var best: Double?
        for index in [low - 1, low] where index >= 0 && index < sorted.count {
            let distance = abs(sorted[index] - time)
            if distance <= window, best.map({ distance < abs($0 - time) }) ?? true { best = sorted[index] }
        }
        return best
    }

    // MARK: Forced alignment

    /// The script spoken at the speech's rate: speaking time (pauses of 200 ms and more left
    /// out) of the synthetic speech over that of the real one, first from the probe's sample
    /// at the default rate, then once more on the whole script when that is still more than
    /// 4% off; the rate is kept within espeak-ng's useful range.
    private static func speakAtRealRate(_ script: CaptionScript, realSpeaking: Double, voice: String,
                                        probe: RateProbe) throws -> (ReferenceSpeech, passes: Int) {
        let all = Array(script.sentences.indices)
        var rate = clampRate(Double(defaultRate) * (try probe.result()) / realSpeaking)
        var sentences = try ReferenceSpeech.synthesize(script, sentences: all, voice: voice, wordsPerMinute: rate)
        var passes = 1
        let synthetic = sentences.reduce(0) { $0 + $1.speakingTime }
        if abs(synthetic / realSpeaking - 1) > 0.04 {
            let refined = clampRate(Double(rate) * synthetic / realSpeaking)
            if refined != rate {
                rate = refined
                sentences = try ReferenceSpeech.synthesize(script, sentences: all, voice: voice, wordsPerMinute: rate)
                passes = 2
            }
        }
        return (ReferenceSpeech(sentences, script: script, wordsPerMinute: rate), passes)
    }

    /// A sentence whose stretch of path costs this much more than the median sentence's is
    /// probably not what was said there. On the bench corpus matching sentences stayed within
    /// about 1.1× (one of 79 in the 5-minute file went over, and its start was indeed 0.23 s
    /// off); a sentence missing from the speech, or added to the script, came out at 1.35–1.4×.
    static let suspectRatio = 1.25

    struct Outcome {
        var timing: CueBuilder.Timing?
        var failure: String?
    }

    static let defaultRate = 165
    static let rateLimits = 80...450

    private static func forcedAlignment(_ script: CaptionScript, activity: VoiceActivity, realPower: FrameMatrix,
                                        duration: Double, options: CaptionOptions, probe: RateProbe,
                                        diagnostics: inout CaptionDiagnostics) throws -> Outcome {
        guard let span = activity.speechSpan else { return Outcome(failure: "no speech") }
        let synthesisStarted = DispatchTime.now()
        let realSpeaking = max(activity.speakingTime(), 0.1)
        let (reference, passes) = try speakAtRealRate(script, realSpeaking: realSpeaking, voice: options.voice, probe: probe)
        let synthetic = reference.speakingTime
        diagnostics.wordsPerMinute = reference.wordsPerMinute
        diagnostics.synthesisPasses = passes
        diagnostics.synthesisSeconds = seconds(synthesisStarted, DispatchTime.now())

        // Features: the real speech cut to its span ±50 ms, the synthetic one at the real
        // one's level with the real noise added, both in dB over a common floor, normalised.
        let firstFrame = max(0, Int(MelFeatures.frame(atTime: span.start - 0.05).rounded(.down)))
        let lastFrame = min(realPower.frames, Int(MelFeatures.frame(atTime: span.end + 0.05).rounded(.up)) + 1)
        guard lastFrame - firstFrame >= 2 else { return Outcome(failure: "too little speech") }
        let noise = MelFeatures.noiseFloor(realPower)
        let real = realPower.rows(firstFrame..<lastFrame)
        let syntheticPower = reference.samples.withUnsafeBufferPointer { MelFeatures.power(of: $0) }
        matchLevelAndNoise(syntheticPower, to: real, activity: activity, firstFrame: firstFrame, noise: noise)
        let floor = MelFeatures.peakDB(real) - 80
        MelFeatures.logNormalize(real, floorDB: floor)
        MelFeatures.logNormalize(syntheticPower, floorDB: floor)
        let band = Int((options.band / MelFeatures.frameSeconds).rounded())
        let path = DTW.align(real: real, synthetic: syntheticPower, band: band)
        diagnostics.pathCost = (path.meanCost * 1000).rounded() / 1000
        let confidence = AlignmentConfidence(path: path, real: real, synthetic: syntheticPower, band: band,
                                             activity: activity, firstFrame: firstFrame)
        diagnostics.minimumCostRatio = (confidence.minimumCostRatio * 1000).rounded() / 1000
        diagnostics.reversedCostRatio = (confidence.reversedCostRatio * 1000).rounded() / 1000
        diagnostics.failureScore = (confidence.score * 1000).rounded() / 1000

        // Synthetic sample → real seconds.
        func realTime(_ sample: Int) -> Double {
            let frame = MelFeatures.frame(atTime: Double(sample) / Double(ReferenceSpeech.sampleRate))
            return MelFeatures.time(ofFrame: path.realFrame(forSynthetic: frame) + Double(firstFrame))
        }
        var starts = [Double](repeating: 0, count: script.words.count)
        var ends = [Double](repeating: 0, count: script.words.count)
        var collapsed = 0, judged = 0
        var sentenceRatios: [Double?] = []
        let step = anchorStep(snrDB: activity.snrDB)
        for (index, sentence) in script.sentences.enumerated() {
            let spanSamples = reference.sentenceSpans[index]
            let sentenceStart = anchoredTime(spanSamples, atStart: true, step: step, realTime)
            let sentenceEnd = anchoredTime(spanSamples, atStart: false, step: step, realTime)
            for word in sentence.words {
                starts[word] = word == sentence.words.lowerBound ? sentenceStart : realTime(reference.wordStarts[word])
            }
            for word in sentence.words {
                ends[word] = word + 1 < sentence.words.upperBound ? starts[word + 1] : sentenceEnd
            }
            let firstRow = Int(MelFeatures.frame(atTime: sentenceStart).rounded()) - firstFrame
            let lastRow = max(firstRow, Int(MelFeatures.frame(atTime: sentenceEnd).rounded()) - firstFrame)
            sentenceRatios.append(confidence.minimumCostRatio(rows: firstRow..<lastRow))
            let syntheticLength = Double(spanSamples.count) / Double(ReferenceSpeech.sampleRate)
            if syntheticLength >= 0.3 {
                judged += 1
                let ratio = (sentenceEnd - sentenceStart) / syntheticLength
                if ratio < 1.0 / 3 || ratio > 3 { collapsed += 1 }
            }
        }
        // Keep the words in order.
        for index in 1..<max(starts.count, 1) {
            starts[index] = max(starts[index], starts[index - 1])
            ends[index] = max(ends[index], starts[index])
        }
        let collapsedFraction = judged > 0 ? Double(collapsed) / Double(judged) : 0
        // A sentence that is not in the speech (or speech not in the script) shows as a
        // stretch of path far costlier than the rest.
        let known = sentenceRatios.compactMap { $0 }.sorted()
        if known.count >= 3 {
            let median = known[known.count / 2]
            diagnostics.suspectSentences = sentenceRatios.indices.filter { (sentenceRatios[$0] ?? 0) > median * Self.suspectRatio }
        }
        diagnostics.collapsedFraction = (collapsedFraction * 1000).rounded() / 1000

        let rateRatio = synthetic / realSpeaking
        var failure: String?
        if confidence.score > AlignmentConfidence.failureScore {
            failure = String(format: "the script does not fit the speech: failure score %.2f, matching speech stays under %.2f",
                             confidence.score, AlignmentConfidence.failureScore)
        } else if judged >= 3 && collapsedFraction > 0.3 {
            failure = String(format: "%.0f%% of the sentences collapsed or stretched more than threefold", collapsedFraction * 100)
        } else if rateRatio < 0.5 || rateRatio > 2 {
            failure = String(format: "the script would take %.1f× the speaking time of the audio even at espeak's rate limits", rateRatio)
        }
        return Outcome(timing: CueBuilder.Timing(starts: starts, ends: ends, duration: duration), failure: failure)
    }

    /// Where a sentence's start (or end) falls in the real speech. In clean speech the edge
    /// itself maps best. In noise the weak sounds at the edge of a sentence sink into the
    /// noise and the path can wander along the pause, so the edge is mapped together with
    /// points `step`, 2·`step` and 3·`step` inside the sentence, each carried back by the same
    /// distance, and the middle two are averaged.
    static func anchoredTime(_ span: Range<Int>, atStart: Bool, step: Double, _ realTime: (Int) -> Double) -> Double {
        let rate = Double(ReferenceSpeech.sampleRate)
        guard step > 0 else { return realTime(atStart ? span.lowerBound : span.upperBound) }
        var candidates: [Double] = []
        for index in 0..<4 {
            let offset = min(Int(step * rate) * index, span.count / 2)
            let value = atStart ? realTime(span.lowerBound + offset) - Double(offset) / rate
                                : realTime(span.upperBound - offset) + Double(offset) / rate
            candidates.append(value)
        }
        candidates.sort()
        return (candidates[1] + candidates[2]) / 2
    }

    /// The anchor step: none from 25 dB SNR up, 30 ms from 15 dB down.
    static func anchorStep(snrDB: Double?) -> Double {
        guard let snr = snrDB else { return 0 }
        return 0.03 * min(max((25 - snr) / 10, 0), 1)
    }

    static func clampRate(_ value: Double) -> Int {
        guard value.isFinite else { return defaultRate }
        return min(max(Int(value.rounded()), rateLimits.lowerBound), rateLimits.upperBound)
    }

    /// Scales the synthetic mel power to the level of the real speech and adds the real
    /// recording's noise, so that silence and noise look alike in both.
    private static func matchLevelAndNoise(_ synthetic: FrameMatrix, to real: FrameMatrix, activity: VoiceActivity,
                                           firstFrame: Int, noise: [Float]) {
        let realPower = MelFeatures.framePower(real)
        var speech: Double = 0, speechFrames = 0
        var cursor = 0
        for (index, power) in realPower.enumerated() {
            let time = MelFeatures.time(ofFrame: Double(index + firstFrame))
            while cursor < activity.segments.count, activity.segments[cursor].end < time { cursor += 1 }
            if cursor < activity.segments.count, activity.segments[cursor].start <= time {
                speech += Double(power)
                speechFrames += 1
            }
        }
        let noiseTotal = Double(noise.reduce(0, +))
        let realLevel = max(speech / Double(max(speechFrames, 1)) - noiseTotal, 1e-12)
        let syntheticPower = MelFeatures.framePower(synthetic)
        let loudest = Double(syntheticPower.max() ?? 0)
        var level: Double = 0, levelFrames = 0
        for power in syntheticPower where Double(power) > loudest * 1e-5 {
            level += Double(power)
            levelFrames += 1
        }
        let gain = Float(realLevel / max(level / Double(max(levelFrames, 1)), 1e-20))
        for frame in 0..<synthetic.frames {
            let row = synthetic.row(frame)
            for band in 0..<synthetic.bands { row[band] = row[band] * gain + noise[band] }
        }
    }

}

/// espeak-ng's speaking time for the script at the default rate, estimated from a sample of
/// its sentences (all of them for a short script), synthesised on a thread of its own.
final class RateProbe: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<Double, Error> = .success(0)
    private let started: Bool

    /// About 1,500 characters of sentences, spread over the script.
    static let sampleCharacters = 1500

    init(script: CaptionScript, voice: String, run: Bool) {
        started = run
        guard run else { return }
        let total = script.sentences.reduce(0) { $0 + $1.text.count }
        let step = max(1, total / RateProbe.sampleCharacters)
        let chosen = Array(stride(from: 0, to: script.sentences.count, by: step))
        let sampled = chosen.reduce(0) { $0 + script.sentences[$1].text.count }
        let thread = Thread { [self] in
            outcome = Result {
                let spoken = try ReferenceSpeech.synthesize(script, sentences: chosen, voice: voice,
                                                            wordsPerMinute: CaptionAligner.defaultRate)
                let time = spoken.reduce(0) { $0 + $1.speakingTime }
                return time * Double(total) / Double(max(sampled, 1))
            }
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    func wait() {
        if started { done.wait(); done.signal() }
    }

    func result() throws -> Double {
        wait()
        return try outcome.get()
    }
}

/// The fallback timing: the detected speech taken as one stretch of speaking time, and each
/// word given a share of it by its syllables.
enum SyllableSpread {
    static func timing(_ script: CaptionScript, segments: [SpeechSegment], duration: Double) -> CueBuilder.Timing {
        let weights = script.words.map { $0.continuesWord ? 0.0 : Double(max($0.syllables, 1)) }
        let total = max(weights.reduce(0, +), 1)
        let speaking = segments.reduce(0) { $0 + $1.duration }
        var cumulative = [0.0]
        for segment in segments { cumulative.append(cumulative[cumulative.count - 1] + segment.duration) }

        // A point of speaking time → seconds; a start falls at the beginning of the segment a
        // boundary opens, an end at the close of the one it closes.
        func place(_ position: Double, asEnd: Bool) -> Double {
            guard !segments.isEmpty else { return position / max(speaking, 1e-9) * duration }
            for (index, segment) in segments.enumerated() {
                let inside = asEnd ? position <= cumulative[index + 1] + 1e-9 : position < cumulative[index + 1] - 1e-9
                if inside { return segment.start + max(0, position - cumulative[index]) }
            }
            return segments[segments.count - 1].end
        }
        var starts: [Double] = [], ends: [Double] = []
        var before = 0.0
        for weight in weights {
            let from = before / total * speaking, to = (before + weight) / total * speaking
            starts.append(place(from, asEnd: false))
            ends.append(place(to, asEnd: true))
            before += weight
        }
        return CueBuilder.Timing(starts: starts, ends: ends, duration: duration)
    }
}
