import Foundation

/// A look-ahead peak limiter for planar float audio, all channels sharing one gain: no
/// sample leaves above `ceiling`. The gain each sample needs is taken as the minimum over the
/// next `lookahead` samples and then averaged over the same span, which keeps it under what
/// every sample needs while turning steps into ramps; it recovers over `release` seconds.
/// Output is delayed by the look-ahead; `finish` drains the delay. With `truePeak` the
/// ceiling holds for the signal between the samples too (see `TruePeakMeter`): its estimate
/// runs about 6 samples behind, which the 5 ms look-ahead covers to within a few hundredths
/// of a dB.
public final class PeakLimiter {
    public let ceiling: Float
    private let lookahead: Int
    private let releaseStep: Float
    private let channels: Int
    /// Delayed input, one ring per channel.
    private var delay: [[Float]]
    private var position = 0
    private var filled = 0
    /// A monotonic queue (absolute sample number, needed gain) for the sliding minimum.
    private var minimumQueue: [(index: Int, value: Float)] = []
    private var queueStart = 0
    private var minimumRing: [Float]
    private var boxSum: Float = 0
    private var envelope: Float = 1
    private var sampleIndex = 0
    private var output: [[Float]]
    public private(set) var maxReduction: Float = 1
    private var detector: TruePeakMeter?
    private var framePeaks: [Float] = []

    public init(channels: Int, sampleRate: Int, ceilingDBFS: Double = -1, lookahead seconds: Double = 0.005, release: Double = 0.08,
                truePeak: Bool = false) {
        self.channels = channels
        detector = truePeak ? TruePeakMeter(channels: channels) : nil
        ceiling = Float(pow(10, ceilingDBFS / 20))
        lookahead = max(1, Int(Double(sampleRate) * seconds))
        releaseStep = 1 / Float(max(1, Double(sampleRate) * release))
        delay = Array(repeating: Array(repeating: 0, count: lookahead), count: channels)
        minimumRing = Array(repeating: 1, count: lookahead)
        boxSum = Float(lookahead)
        output = Array(repeating: [], count: channels)
    }

    /// Limits a block; `emit` receives the limited samples that are ready (delayed).
    public func process(_ block: AudioBlock, _ emit: (AudioBlock) throws -> Void) throws {
        prepareOutput(block.frames)
        var produced = 0
        detector?.framePeaks(block, into: &framePeaks)
        for i in 0..<block.frames {
            var peak: Float = detector == nil ? 0 : framePeaks[i]
            for channel in 0..<channels { peak = max(peak, abs(block.channels[channel][i])) }
            if step(need: peak > ceiling ? ceiling / peak : 1, into: produced, input: { block.channels[$0][i] }) { produced += 1 }
        }
        try emitOutput(produced, emit)
    }

    /// Pushes silence through the look-ahead so the last real samples come out.
    public func finish(_ emit: (AudioBlock) throws -> Void) throws {
        let pending = min(filled, lookahead)
        prepareOutput(pending)
        var produced = 0
        for _ in 0..<pending {
            if step(need: 1, into: produced, input: { _ in 0 }) { produced += 1 }
        }
        try emitOutput(produced, emit)
    }

    /// Takes one input sample frame; when the delay line is full, writes the frame leaving
    /// it (the one that entered `lookahead` samples ago) to `output[...][slot]` and returns true.
    private func step(need: Float, into slot: Int, input: (Int) -> Float) -> Bool {
        // The envelope computed so far averages the minima of exactly the windows that
        // contain the leaving sample, so it is at most what that sample needs.
        let gain = envelope
        let leaves = filled >= lookahead
        for channel in 0..<channels {
            if leaves { output[channel][slot] = delay[channel][position] * gain }
            delay[channel][position] = input(channel)
        }
        pushMinimum(need)
        position = (position + 1) % lookahead
        filled += 1
        return leaves
    }

    /// Sliding minimum of the needed gain over the look-ahead, then a box average of it,
    /// then the release ramp.
    private func pushMinimum(_ value: Float) {
        while minimumQueue.count > queueStart, let last = minimumQueue.last, last.value >= value { minimumQueue.removeLast() }
        if minimumQueue.count < queueStart { queueStart = minimumQueue.count }
        minimumQueue.append((sampleIndex, value))
        while minimumQueue[queueStart].index <= sampleIndex - lookahead { queueStart += 1 }
        if queueStart > 4096 {
            minimumQueue.removeFirst(queueStart)
            queueStart = 0
        }
        let minimum = minimumQueue[queueStart].value
        let ring = sampleIndex % lookahead
        boxSum += minimum - minimumRing[ring]
        minimumRing[ring] = minimum
        sampleIndex += 1
        let boxed = min(1, boxSum / Float(lookahead))
        envelope = min(boxed, envelope + releaseStep)
        maxReduction = min(maxReduction, envelope)
    }

    private func prepareOutput(_ frames: Int) {
        for channel in 0..<channels where output[channel].count < frames {
            output[channel] = Array(repeating: 0, count: frames)
        }
    }

    private func emitOutput(_ frames: Int, _ emit: (AudioBlock) throws -> Void) throws {
        guard frames > 0 else { return }
        let copies = output
        try AudioBlock.with(copies, frames: frames, emit)
    }
}
