import AvatarMedia
import Foundation
import Testing
import TestSupport

@Suite struct AudioTests {
    @Test func readsEverySampleOfAWave() throws {
        let reader = try AudioReader(path: Fixtures.speech)
        #expect(reader.outputChannels == 1 && reader.outputSampleRate == 22050)
        var blocks = 0
        let summary = try reader.read { _ in blocks += 1 }
        let judged = try #require(Int64(Judge.probeValue(Fixtures.speech, entry: "stream=duration_ts")))
        #expect(summary.frames == judged)
        #expect(blocks > 1)
    }

    @Test func resamplesAndDownmixesWhileStreaming() throws {
        let reader = try AudioReader(path: Fixtures.generated("speech-stereo-44k.wav"), sampleRate: 16000, mono: true)
        #expect(reader.sourceChannels == 2 && reader.outputChannels == 1)
        var largestBlock = 0
        let summary = try reader.read { largestBlock = max(largestBlock, $0.frames) }
        let seconds = try #require(Double(Judge.probeValue(Fixtures.speech, entry: "format=duration")))
        #expect(abs(Double(summary.frames) / 16000 - seconds) < 0.01)
        #expect(largestBlock < 16000)
    }

    @Test func elevenMinutesStreamInSmallBlocks() throws {
        let reader = try AudioReader(path: Fixtures.generated("speech-11min.wav"))
        var largestBlock = 0
        let summary = try reader.read { largestBlock = max(largestBlock, $0.frames) }
        #expect(summary.frames == 660 * 16000)
        #expect(largestBlock <= 16384)
    }

    @Test(arguments: ["speech.wav", "speech-stereo-44k.wav", "speech-6ch.wav", "tone-1k.wav", "speech.mp3", "speech-quiet.wav"])
    func loudnessMatchesLibavfilterEBUR128(file: String) throws {
        let path = file == "speech.wav" ? Fixtures.speech : Fixtures.generated(file)
        let ours = try #require(try AudioAnalysis.analyze(path).integratedLoudness)
        let judged = try #require(Judge.ebur128Integrated(path))
        #expect(abs(ours - judged) <= 0.2, "ours \(ours) LUFS, ebur128 \(judged) LUFS")
    }

    @Test func sineAtMinus6dBFSIsMinus9LUFS() throws {
        // A 1 kHz sine at 0 dBFS reads -3.01 LUFS by definition of the K-weighting offset.
        let loudness = try #require(try AudioAnalysis.analyze(Fixtures.generated("tone-1k.wav")).integratedLoudness)
        #expect(abs(loudness - (-9.03)) < 0.1)
    }

    @Test func silenceHasNoLoudnessAndClippingIsCounted() throws {
        let silence = try AudioAnalysis.analyze(Fixtures.generated("silence.wav"))
        #expect(silence.integratedLoudness == nil)
        #expect(silence.peakDBFS < -100)
        let clipped = try AudioAnalysis.analyze(Fixtures.generated("speech-clipped.wav"))
        #expect(clipped.clipEvents > 10)
        #expect(clipped.peakDBFS > -0.01)
        let clean = try AudioAnalysis.analyze(Fixtures.speech)
        #expect(clean.clipEvents == 0)
    }

    @Test func noAudioStreamIsAnError() throws {
        let error = try #require(throws: MediaError.self) { try AudioReader(path: Fixtures.photo) }
        #expect(error.kind == .noStream)
    }
}
