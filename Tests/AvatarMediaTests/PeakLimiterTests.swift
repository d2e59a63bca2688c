import AvatarMedia
import Foundation
import Testing

@Suite struct PeakLimiterTests {
    /// Runs `signal` (one channel) through a limiter in blocks of `blockSize`.
    func limit(_ signal: [Float], ceiling: Double = -1, blockSize: Int = 333) throws -> [Float] {
        let limiter = PeakLimiter(channels: 1, sampleRate: 48000, ceilingDBFS: ceiling)
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
}
