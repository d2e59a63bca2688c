import AvatarMedia
import Foundation
import Testing
import TestSupport

@Suite struct PeakLimiterTests {
    /// Runs `signal` (one channel) through a limiter in blocks of `blockSize`.
    func limit(_ signal: [Float], ceiling: Double = -1, blockSize: Int = 333, truePeak: Bool = false) throws -> [Float] {
        let limiter = PeakLimiter(channels: 1, sampleRate: 48000, ceilingDBFS: ceiling, truePeak: truePeak)
        var output: [Float] = []
        let collect: (AudioBlock) throws -> Void = { output += Array($0.channels[0]) }
        var start = 0
        while start < signal.count {
            let end = min(signal.count, start + blockSize)
            try signal[start..<end].withUnsafeBufferPointer { try limiter.process(AudioBlock(frames: end - start, channels: [$0]), collect) }
            start = end
        }
        try limiter.finish(collect)
        return output
    }

    @Test func noSampleLeavesAboveTheCeiling() throws {
        // A sine at +6 dBFS with bursts: far over a -1 dBFS ceiling.
        let signal = (0..<48000).map { i -> Float in
            let burst: Float = (i / 4800) % 2 == 0 ? 2.0 : 0.3
            return burst * sin(Float(i) * 2 * .pi * 220 / 48000)
        }
        let output = try limit(signal)
        #expect(output.count == signal.count)
        let ceiling = Float(pow(10, -1.0 / 20))
        #expect(output.map(abs).max() ?? 0 <= ceiling + 1e-6)
    }

    @Test func quietAudioPassesUnchanged() throws {
        let signal = (0..<10000).map { Float(0.2 * sin(Double($0) * 0.05)) }
        let output = try limit(signal)
        #expect(output == signal)
    }

    /// A 12 kHz sine at 48 kHz sampled 45° off its crests: its samples peak 3 dB below the
    /// wave itself. Faded in so the interpolator does not ring at a hard start.
    static func offCrestSine(amplitude: Float, count: Int = 48000) -> [Float] {
        (0..<count).map { i in
            let fade = min(1, Float(i) / 480)
            return fade * amplitude * sin(2 * .pi * Float(i) / 4 + .pi / 4)
        }
    }

    static func truePeak(_ signal: [Float], blockSize: Int = 500) -> Double? {
        var meter = TruePeakMeter(channels: 1)
        var start = 0
        while start < signal.count {
            let end = min(signal.count, start + blockSize)
            signal[start..<end].withUnsafeBufferPointer { meter.add(AudioBlock(frames: end - start, channels: [$0])) }
            start = end
        }
        return meter.dBTP
    }

    @Test func truePeakFindsThePeakBetweenTheSamples() throws {
        let sine = Self.offCrestSine(amplitude: 0.5)
        let samplePeak = 20 * log10(Double(sine.map(abs).max() ?? 0))
        let measured = try #require(Self.truePeak(sine))
        #expect(abs(samplePeak - -9.03) < 0.05)
        #expect(abs(measured - -6.02) < 0.1, "\(measured) dBTP")
    }

    @Test func truePeakAgreesWithFFmpegOnSpeech() throws {
        let reader = try AudioReader(path: Fixtures.speech, sampleRate: 48000, channels: 1)
        var meter = TruePeakMeter(channels: 1)
        try reader.read { meter.add($0) }
        let ours = try #require(meter.dBTP)
        let log = Judge.ffmpeg(["-nostats", "-i", Fixtures.speech, "-af", "ebur128=peak=true", "-f", "null", "-"]).stderr
        let line = try #require(log.split(separator: "\n").last { $0.contains("Peak:") })
        let theirs = try #require(line.split(separator: " ").compactMap { Double($0) }.first)
        #expect(abs(ours - theirs) <= 0.2, "ours \(ours) dBTP, ffmpeg \(theirs)")
    }

    @Test func truePeakLimiterHoldsTheCeilingBetweenTheSamples() throws {
        // Samples at -3 dBFS, the wave at 0 dBTP: a sample-peak limiter at -1 lets it pass.
        let sine = Self.offCrestSine(amplitude: 1)
        let plain = try limit(sine)
        #expect(try #require(Self.truePeak(plain)) > -0.2)
        let limited = try limit(sine, truePeak: true)
        let measured = try #require(Self.truePeak(limited))
        #expect(measured <= -0.9 && measured >= -1.5, "\(measured) dBTP")
    }
}
