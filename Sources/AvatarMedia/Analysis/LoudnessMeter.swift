import Foundation

/// Loudness after ITU-R BS.1770-4 / EBU R128: K-weighting (a high shelf and a high pass,
/// their coefficients derived for the actual sample rate), 400 ms blocks every 100 ms, the
/// channels' mean squares weighted and summed, an absolute gate at -70 LUFS and a relative
/// gate 10 LU under the absolutely-gated mean. Loudness range after EBU Tech 3342.
public struct LoudnessMeter: Sendable {
    private var filters: [KWeighting]
    private let weights: [Double]
    private let step: Int
    private var position = 0
    private var current = 0.0
    /// Weighted energy of every 100 ms sub-block.
    private var subBlocks: [Double] = []

    public init(sampleRate: Int, channelWeights: [Double]) {
        weights = channelWeights
        filters = channelWeights.map { _ in KWeighting(sampleRate: Double(sampleRate)) }
        step = max(1, Int((Double(sampleRate) / 10).rounded()))
    }

    public mutating func add(_ block: AudioBlock) {
        var offset = 0
        while offset < block.frames {
            let count = min(block.frames - offset, step - position)
            for (channel, samples) in block.channels.enumerated() where weights[channel] > 0 {
                current += weights[channel] * filters[channel].energy(samples, from: offset, count: count)
            }
            offset += count
            position += count
            if position == step {
                subBlocks.append(current / Double(step))
                current = 0
                position = 0
            }
        }
    }

    /// Integrated loudness in LUFS; nil when no 400 ms block rises above -70 LUFS (silence,
    /// or less than 400 ms of audio).
    public var integrated: Double? {
        let powers = blockPowers(subBlocksPerBlock: 4)
        let absolute = powers.filter { Self.loudness($0) > -70 }
        guard !absolute.isEmpty else { return nil }
        let threshold = Self.loudness(Self.mean(absolute)) - 10
        let gated = absolute.filter { Self.loudness($0) > threshold }
        return Self.loudness(Self.mean(gated))
    }

    /// Loudness range in LU (short-term 3 s blocks, gates at -70 LUFS and -20 LU, 10th to
    /// 95th percentile); nil for audio under 3 s or silent.
    public var range: Double? {
        let powers = blockPowers(subBlocksPerBlock: 30)
        let absolute = powers.filter { Self.loudness($0) > -70 }
        guard !absolute.isEmpty else { return nil }
        let threshold = Self.loudness(Self.mean(absolute)) - 20
        let levels = absolute.map(Self.loudness).filter { $0 > threshold }.sorted()
        guard levels.count > 1 else { return 0 }
        func percentile(_ p: Double) -> Double { levels[Int((Double(levels.count - 1) * p).rounded())] }
        return percentile(0.95) - percentile(0.10)
    }

    /// Highest momentary (400 ms) loudness in LUFS.
    public var maxMomentary: Double? {
        blockPowers(subBlocksPerBlock: 4).max().map(Self.loudness)
    }

    private func blockPowers(subBlocksPerBlock n: Int) -> [Double] {
        guard subBlocks.count >= n else { return [] }
        var sum = subBlocks[0..<n].reduce(0, +)
        var powers = [sum / Double(n)]
        for k in n..<subBlocks.count {
            sum += subBlocks[k] - subBlocks[k - n]
            powers.append(max(0, sum) / Double(n))
        }
        return powers
    }

    static func loudness(_ power: Double) -> Double { -0.691 + 10 * log10(max(power, 1e-20)) }
    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}

/// The two K-weighting biquads for one channel, in transposed direct form II.
struct KWeighting: Sendable {
    private var shelf: Biquad
    private var highPass: Biquad

    init(sampleRate fs: Double) {
        // Stage 1: the high shelf modelling the head (+4 dB above ~1.7 kHz).
        let f0 = 1681.974450955533, gain = 3.999843853973347, q = 0.7071752369554196
        var k = tan(Double.pi * f0 / fs)
        let vh = pow(10, gain / 20), vb = pow(vh, 0.4996667741545416)
        var a0 = 1 + k / q + k * k
        shelf = Biquad(b0: (vh + vb * k / q + k * k) / a0, b1: 2 * (k * k - vh) / a0, b2: (vh - vb * k / q + k * k) / a0,
                       a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
        // Stage 2: the RLB high pass at ~38 Hz.
        let f1 = 38.13547087602444, q1 = 0.5003270373238773
        k = tan(Double.pi * f1 / fs)
        a0 = 1 + k / q1 + k * k
        highPass = Biquad(b0: 1, b1: -2, b2: 1, a1: 2 * (k * k - 1) / a0, a2: (1 - k / q1 + k * k) / a0)
    }

    /// Filters `count` samples from `offset` and returns the sum of their squares.
    mutating func energy(_ samples: UnsafeBufferPointer<Float>, from offset: Int, count: Int) -> Double {
        var sum = 0.0
        for i in offset..<(offset + count) {
            let y = highPass.process(shelf.process(Double(samples[i])))
            sum += y * y
        }
        return sum
    }
}

struct Biquad: Sendable {
    let b0: Double, b1: Double, b2: Double, a1: Double, a2: Double
    private var z1 = 0.0, z2 = 0.0

    init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
    }

    @inline(__always)
    mutating func process(_ x: Double) -> Double {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }
}
