import Foundation

/// True peak (ITU-R BS.1770-4, Annex 2): the largest magnitude the signal reaches between its
/// samples, as a DAC or a resampler would reconstruct it, estimated by 4× oversampling with a
/// windowed-sinc interpolator (12 taps a phase, Kaiser window), the phases at 0, ¼, ½ and ¾
/// of a sample. Inter-sample peaks of
/// speech are up to a few tenths of a dB above the sample peak; a sine at a quarter of the
/// sample rate sampled 45° off its crest is 3 dB above it.
public struct TruePeakMeter {
    static let phases = 4
    static let tapsPerPhase = 12
    /// `coefficients[phase][tap]`: phase p interpolates the point p/4 of a sample after
    /// x[m−6] from x[m−11]…x[m] (a Kaiser-windowed sinc centred on that point), each phase
    /// summing to 1 (unity gain at DC).
    static let coefficients: [[Float]] = {
        let beta = 6.0
        let reach = Double(tapsPerPhase) / 2 + 0.5
        func bessel0(_ x: Double) -> Double {
            var sum = 1.0, term = 1.0
            for k in 1..<30 {
                term *= (x / (2 * Double(k))) * (x / (2 * Double(k)))
                sum += term
            }
            return sum
        }
        return (0..<phases).map { phase in
            let taps = (0..<tapsPerPhase).map { k -> Double in
                // Distance (in samples) from x[m−k] to the interpolated point.
                let x = Double(k) - Double(tapsPerPhase / 2) + Double(phase) / Double(phases)
                let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
                let r = x / reach
                return sinc * bessel0(beta * max(0, 1 - r * r).squareRoot()) / bessel0(beta)
            }
            let sum = taps.reduce(0, +)
            return taps.map { Float($0 / sum) }
        }
    }()

    /// Per channel: the last `tapsPerPhase − 1` samples, then room for a block (reused).
    private var lines: [[Float]]
    private var scratch: [Float] = []
    /// The largest magnitude seen so far (linear).
    public private(set) var peak: Float = 0

    public init(channels: Int) {
        lines = Array(repeating: Array(repeating: 0, count: TruePeakMeter.tapsPerPhase - 1), count: channels)
    }

    /// The true peak so far in dBTP; nil before any sound.
    public var dBTP: Double? { peak > 0 ? 20 * log10(Double(peak)) : nil }

    public mutating func add(_ block: AudioBlock) {
        var peaks = scratch
        framePeaks(block, into: &peaks)
        scratch = peaks
    }

    /// For each sample frame of `block`: the largest magnitude over the channels of the sample
    /// and of the signal just before it (the interpolated points run about 6 samples behind).
    /// `peaks` is resized to the block.
    public mutating func framePeaks(_ block: AudioBlock, into peaks: inout [Float]) {
        if peaks.count != block.frames { peaks = Array(repeating: 0, count: block.frames) } else { peaks.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let taps = TruePeakMeter.tapsPerPhase
        // Phase 0 falls on a sample itself (its filter is a pure delay): the sample covers it.
        let phases = TruePeakMeter.coefficients.dropFirst()
        for channel in 0..<min(lines.count, block.channels.count) {
            // The last samples of the previous block followed by this one, so every tap reads
            // one array; the buffer keeps its capacity from block to block.
            lines[channel].append(contentsOf: block.channels[channel])
            lines[channel].withUnsafeBufferPointer { samples in
                for i in 0..<block.frames {
                    var loudest = abs(samples[i + taps - 1])
                    for phase in phases {
                        var sum: Float = 0
                        for k in 0..<taps { sum += phase[k] * samples[i + taps - 1 - k] }
                        loudest = max(loudest, abs(sum))
                    }
                    peaks[i] = max(peaks[i], loudest)
                }
            }
            lines[channel].removeFirst(block.frames)
        }
        peak = max(peak, peaks.max() ?? 0)
    }
}
