import AvatarMedia
@testable import AvatarPipe
import Foundation
import Testing
import TestSupport

/// Speech whose sentence times are known: flite (another engine than the aligner's espeak-ng)
/// speaks each sentence, the sentences are trimmed and joined with chosen pauses over quiet
/// noise, and written as a 16 kHz WAV.
struct KnownSpeech {
    var path: String
    var script: String
    var starts: [Double]
    var ends: [Double]

    static let sentences = [
        "The weather turned cold just after the sun went down behind the hills.",
        "Please remember to bring your own water bottle to the workshop tomorrow.",
        "How many people do you think will come to the launch next week?",
        "Sales grew by twenty percent compared with the same period last year.",
    ]

    static func make(in directory: TemporaryDirectory, name: String = "speech", voice: String = "slt",
                     sentences: [String] = KnownSpeech.sentences, pauses: [Double] = [0.15, 0.6, 0.09],
                     noiseDB: Double = -62) throws -> KnownSpeech {
        var samples = [Float](repeating: 0, count: 8000)
        var starts: [Double] = [], ends: [Double] = []
        for (index, sentence) in sentences.enumerated() {
            let wav = directory.file("\(name)-flite-\(index).wav")
            let result = Shell.run(Shell.which("flite") ?? "/usr/bin/flite", ["-voice", voice, "-t", sentence, "-o", wav])
            try #require(result.status == 0, "flite: \(result.stderr)")
            let spoken = try read(wav)
            let peak = spoken.map(abs).max() ?? 0
            let threshold = peak * 0.01 // -40 dB re the peak
            let first = spoken.firstIndex { abs($0) > threshold } ?? 0
            let last = spoken.lastIndex { abs($0) > threshold } ?? spoken.count - 1
            if index > 0 { samples += [Float](repeating: 0, count: Int(pauses[(index - 1) % pauses.count] * 16000)) }
            starts.append(Double(samples.count) / 16000)
            samples += spoken[first...last].map { $0 * 0.3 / max(peak, 1e-6) }
            ends.append(Double(samples.count) / 16000)
        }
        samples += [Float](repeating: 0, count: 12000)
        addNoise(&samples, levelDB: noiseDB)
        let path = directory.file("\(name).wav")
        try write(samples, to: path)
        return KnownSpeech(path: path, script: sentences.joined(separator: " "), starts: starts, ends: ends)
    }

    static func read(_ path: String) throws -> [Float] {
        var samples: [Float] = []
        try AudioReader(path: path, sampleRate: 16000, mono: true).read { samples.append(contentsOf: $0.channels[0]) }
        return samples
    }

    static func write(_ samples: [Float], to path: String) throws {
        let writer = try AudioFileWriter(path: path, container: .wav, sampleRate: 16000, channels: 1)
        try samples.withUnsafeBufferPointer { try writer.write([$0], frames: samples.count) }
        try writer.finish()
    }

    /// Uniform noise of a given RMS level (dBFS) from a fixed-seed generator.
    static func addNoise(_ samples: inout [Float], levelDB: Double, seed: UInt64 = 42) {
        var state = seed
        let amplitude = Float(pow(10, levelDB / 20) * 3.0.squareRoot())
        for index in samples.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let unit = Float(state >> 40) / Float(1 << 24) * 2 - 1
            samples[index] += unit * amplitude
        }
    }
}

@Suite(.enabled(if: Shell.which("flite") != nil, "flite makes the test speech"))
struct CaptionsAlignmentTests {
    @Test func cueStartsFollowTheSpeech() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let speech = try KnownSpeech.make(in: directory)
        let track = try CaptionAligner.align(script: speech.script, audioPath: speech.path)
        #expect(track.method == .aligned, "\(track.messages)")
        #expect(track.reliable)
        #expect(track.diagnostics.sentences == 4)
        #expect((track.diagnostics.snrDB ?? 0) > 20)
        try checkTimes(track, speech, tolerance: 0.1)
        CaptionsScriptTests.checkRules(track.cues, script: CaptionScript(speech.script))
    }

    /// Starts (and ends) of cues that begin (end) with a sentence, against the truth.
    func checkTimes(_ track: CaptionTrack, _ speech: KnownSpeech, tolerance: Double,
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        var checked = 0
        for cue in track.cues {
            if cue.startsSentence {
                let truth = speech.starts[cue.firstSentence]
                #expect(abs(cue.start - truth) <= tolerance, "cue \"\(cue.text)\" starts at \(cue.start), the speech at \(truth)",
                        sourceLocation: sourceLocation)
                checked += 1
            }
            if cue.endsSentence {
                let truth = speech.ends[cue.lastSentence]
                #expect(abs(cue.speechEnd - truth) <= 2 * tolerance, "cue \"\(cue.text)\" speech ends at \(cue.speechEnd), the speech at \(truth)",
                        sourceLocation: sourceLocation)
            }
        }
        #expect(checked >= 2, sourceLocation: sourceLocation)
    }

    @Test func theAudioTrackOfAVideo() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let speech = try KnownSpeech.make(in: directory, voice: "awb")
        let video = directory.file("talk.mp4")
        let made = Judge.ffmpeg(["-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=320x240:r=25", "-i", speech.path,
                                 "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-ar", "48000", video])
        try #require(made.status == 0, "\(made.stderr)")
        let track = try CaptionAligner.align(script: speech.script, audioPath: video)
        #expect(track.method == .aligned, "\(track.messages)")
        try checkTimes(track, speech, tolerance: 0.1)
    }

    @Test func aScriptThatDoesNotMatchFallsBack() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let speech = try KnownSpeech.make(in: directory)
        let other = """
        Our support team answers every question within one working day. The library lends out books, films, \
        music and even tools. Scientists have discovered a new species of frog in the rainforest. \
        The orchestra played for almost two hours without a break.
        """
        let track = try CaptionAligner.align(script: other, audioPath: speech.path)
        #expect(track.method == .fallback)
        #expect(!track.reliable)
        #expect(track.messages.contains { $0.contains("alignment failed") }, "\(track.messages)")
        #expect(!track.cues.isEmpty)
        CaptionsScriptTests.checkRules(track.cues, script: CaptionScript(other))
        // The fallback still keeps the captions within the speech.
        let first = try #require(track.cues.first), last = try #require(track.cues.last)
        #expect(abs(first.start - speech.starts[0]) < 0.2)
        #expect(last.speechEnd <= speech.ends[3] + 0.3)
    }

    @Test func forcedFallbackSpreadsWordsOverTheSpeech() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let speech = try KnownSpeech.make(in: directory, pauses: [0.8])
        var options = CaptionOptions()
        options.forceFallback = true
        let track = try CaptionAligner.align(script: speech.script, audioPath: speech.path, options: options)
        #expect(track.method == .fallback)
        #expect(track.diagnostics.pathCost == nil)
        CaptionsScriptTests.checkRules(track.cues, script: CaptionScript(speech.script))
        #expect(abs((track.cues.first?.start ?? -1) - speech.starts[0]) < 0.1)
    }

    @Test func noisySpeechIsMarkedUnreliable() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        // Speech peaks at 0.3; white noise at -25 dBFS RMS is about as loud as the speech.
        let speech = try KnownSpeech.make(in: directory, noiseDB: -25)
        let track = try CaptionAligner.align(script: speech.script, audioPath: speech.path)
        let snr = try #require(track.diagnostics.snrDB)
        #expect(snr < 5, "SNR estimate \(snr) dB")
        #expect(!track.reliable)
        #expect(track.messages.contains { $0.contains("noisy") }, "\(track.messages)")
    }
}

/// Inputs that cannot be captioned, and the parts of the aligner on their own.
@Suite struct CaptionsInputTests {
    @Test func emptyScriptIsAnError() throws {
        for script in ["", "   \n\n\t "] {
            #expect(throws: CaptionError(.emptyScript, "the script is empty: there is nothing to caption")) {
                try CaptionAligner.align(script: script, samples: [Float](repeating: 0, count: 16000))
            }
        }
    }

    @Test func audioWithoutSpeechIsAnError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var hiss = [Float](repeating: 0, count: 16000 * 3)
        KnownSpeech.addNoise(&hiss, levelDB: -50)
        for (name, samples) in [("silence.wav", [Float](repeating: 0, count: 16000 * 3)), ("hiss.wav", hiss)] {
            let path = directory.file(name)
            try KnownSpeech.write(samples, to: path)
            do {
                _ = try CaptionAligner.align(script: "Hello there. This is a test.", audioPath: path)
                Issue.record("\(name): no error")
            } catch let error as CaptionError {
                #expect(error.code == .noSpeech)
                #expect(error.message.contains(path), "\(error.message)")
            }
        }
    }

    @Test func aFileThatIsNotMediaIsAMediaError() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("notes.wav")
        try Data("not audio at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: MediaError.self) { try CaptionAligner.align(script: "Hello.", audioPath: path) }
    }

    @Test func fftMatchesADirectTransform() {
        let size = 64
        let fft = RealFFT(size: size)
        var input = [Float](repeating: 0, count: size)
        for n in 0..<size { input[n] = Float(sin(Double(n) * 0.37) + 0.5 * cos(Double(n) * 1.9) + (n % 7 == 0 ? 0.3 : 0)) }
        var power = [Float](repeating: 0, count: size / 2 + 1)
        input.withUnsafeBufferPointer { source in
            power.withUnsafeMutableBufferPointer { fft.powerSpectrum(source.baseAddress!, into: $0.baseAddress!) }
        }
        for k in 0...(size / 2) {
            var re = 0.0, im = 0.0
            for n in 0..<size {
                re += Double(input[n]) * cos(2 * .pi * Double(k * n) / Double(size))
                im -= Double(input[n]) * sin(2 * .pi * Double(k * n) / Double(size))
            }
            let expected = re * re + im * im
            #expect(abs(Double(power[k]) - expected) <= 1e-3 * max(1, expected), "bin \(k): \(power[k]) vs \(expected)")
        }
    }

    @Test func voiceActivityFindsBurstsAndClosesShortGaps() {
        // Tone bursts (1 kHz) at known times over faint noise; a 60 ms gap is closed, a 30 ms click dropped.
        var samples = [Float](repeating: 0, count: 16000 * 4)
        KnownSpeech.addNoise(&samples, levelDB: -65)
        func burst(_ start: Double, _ end: Double) {
            for n in Int(start * 16000)..<Int(end * 16000) { samples[n] += 0.2 * Float(sin(2 * Double.pi * 1000 * Double(n) / 16000)) }
        }
        burst(0.5, 1.2); burst(1.26, 1.8); burst(2.5, 2.53); burst(3.0, 3.6)
        let activity = samples.withUnsafeBufferPointer { VoiceActivity.detect($0) }
        #expect(activity.segments.count == 2, "\(activity.segments)")
        let expected = [(0.5, 1.8), (3.0, 3.6)]
        for (segment, (start, end)) in zip(activity.segments, expected) {
            #expect(abs(segment.start - start) < 0.01 && abs(segment.end - end) < 0.015, "\(segment) for \(start)–\(end)")
        }
        #expect((activity.snrDB ?? 0) > 30)
    }

    @Test func synthesisGivesEventsPerText() throws {
        let spoken = try SpeechSynthesizer.synthesizeEach(["Hello there.", "A second, longer sentence follows."])
        #expect(spoken.count == 2)
        for speech in spoken {
            #expect(speech.sampleRate == 22050)
            #expect(!speech.samples.isEmpty)
            // Each text's events count from its own start.
            let first = try #require(speech.words.first)
            #expect(first.textPosition == 1 && first.sample < 2205)
            #expect(speech.words.allSatisfy { $0.sample <= speech.samples.count })
        }
        #expect(spoken[1].words.count == 5)
    }

    @Test func resamplingKeepsToneAndLevel() {
        let input = (0..<22050).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 22050)) }
        let output = Resampler.to16k(input[...], from: 22050)
        #expect(abs(output.count - 16000) <= 1)
        var worst: Float = 0
        for n in 200..<(output.count - 200) {
            worst = max(worst, abs(output[n] - Float(0.5 * sin(2 * Double.pi * 440 * Double(n) / 16000))))
        }
        #expect(worst < 0.01)
    }

    @Test func dtwFollowsAStretchedCopy() {
        // A sequence against itself played at 0.8× speed: the path maps frame j to about j / 0.8.
        let m = 200, n = 250
        let synthetic = FrameMatrix(frames: m, bands: 40), real = FrameMatrix(frames: n, bands: 40)
        func value(_ t: Double, _ band: Int) -> Float { Float(sin(t * 0.21 + Double(band)) + cos(t * 0.057 * Double(band % 5 + 1))) }
        for j in 0..<m { for b in 0..<40 { synthetic.row(j)[b] = value(Double(j), b) } }
        for i in 0..<n { for b in 0..<40 { real.row(i)[b] = value(Double(i) * 0.8, b) } }
        let path = DTW.align(real: real, synthetic: synthetic, band: 30)
        for j in stride(from: 10, to: 190, by: 20) {
            #expect(abs(path.realFrame(forSynthetic: Double(j)) - Double(j) / 0.8) < 2, "frame \(j)")
        }
        #expect(path.meanCost < 1)
    }
}

@Suite(.enabled(if: Shell.which("flite") != nil, "flite makes the test speech"))
struct CaptionsPartialMatchTests {
    @Test func aSentenceThatWasNotSpokenIsNamed() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let speech = try KnownSpeech.make(in: directory, voice: "rms")
        var sentences = KnownSpeech.sentences
        sentences.insert("Scientists have discovered a new species of frog in the rainforest.", at: 2)
        let track = try CaptionAligner.align(script: sentences.joined(separator: " "), audioPath: speech.path)
        #expect(track.method == .aligned)
        #expect(track.diagnostics.suspectSentences.contains(2), "\(track.diagnostics.suspectSentences)")
        #expect(track.messages.contains { $0.contains("sentence 3") }, "\(track.messages)")
    }

    @Test func anUnknownVoiceFallsBackAndSaysWhy() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let speech = try KnownSpeech.make(in: directory, sentences: Array(KnownSpeech.sentences.prefix(2)))
        var options = CaptionOptions()
        options.voice = "no-such-voice"
        let track = try CaptionAligner.align(script: speech.script, audioPath: speech.path, options: options)
        #expect(track.method == .fallback)
        #expect(track.messages.contains { $0.contains("no-such-voice") }, "\(track.messages)")
    }
}

extension CaptionsInputTests {
    @Test func dtwOfVeryDifferentLengths() {
        // One real frame against many synthetic ones, and the other way round: a path exists.
        for (n, m) in [(1, 900), (900, 1), (2, 1500), (3, 3)] {
            let real = FrameMatrix(frames: n, bands: 40), synthetic = FrameMatrix(frames: m, bands: 40)
            let path = DTW.align(real: real, synthetic: synthetic, band: 300)
            #expect(path.pathLength >= max(n, m), "\(n)×\(m)")
            #expect(path.firstMatch.allSatisfy { $0 >= 0 && $0 < n }, "\(n)×\(m)")
        }
    }
}
