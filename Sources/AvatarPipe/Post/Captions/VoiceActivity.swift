import Foundation

/// A stretch of speech found in the audio, in seconds.
public struct SpeechSegment: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var duration: Double { end - start }

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }
}

/// Voice-activity detection by energy with hysteresis, relative to the recording itself:
/// energy in 250–4000 Hz over 20 ms windows every 10 ms; the floor is the 10th percentile of
/// the windows' levels, the range reaches to the 99th; speech starts above floor + 0.40·range
/// and stops below floor + 0.25·range. Gaps under 100 ms are closed, bursts under 40 ms
/// dropped. Edges are then placed to 2.5 ms inside the window that crossed the threshold.
struct VoiceActivity: Sendable {
    var segments: [SpeechSegment]
    var floorDB: Double
    var rangeDB: Double
    /// Speech power over noise power in the analysed band, in dB (nil without speech).
    var snrDB: Double?
    var duration: Double

    static let window = 320, hop = 160, block = 40
    static let minimumGap = 0.100, minimumBurst = 0.040

    var speechSpan: SpeechSegment? {
        guard let first = segments.first, let last = segments.last else { return nil }
        return SpeechSegment(start: first.start, end: last.end)
    }

    /// Speaking time inside the span: the span less every pause of at least `pause` seconds.
    func speakingTime(ignoringPausesOver pause: Double = 0.2) -> Double {
        guard let span = speechSpan else { return 0 }
        var time = span.duration
        for (left, right) in zip(segments, segments.dropFirst()) where right.start - left.end >= pause {
            time -= right.start - left.end
        }
        return time
    }

    static func detect(_ samples: UnsafeBufferPointer<Float>, sampleRate: Int = MelFeatures.sampleRate) -> VoiceActivity {
        let duration = Double(samples.count) / Double(sampleRate)
        let blocks = samples.count / block
        guard blocks >= window / block else {
            return VoiceActivity(segments: [], floorDB: -120, rangeDB: 0, snrDB: nil, duration: duration)
        }
        // Mean power of each 2.5 ms block of the band-passed signal.
        var blockPower = [Double](repeating: 0, count: blocks)
        var filter = BandPass(sampleRate: Double(sampleRate))
        blockPower.withUnsafeMutableBufferPointer { power in
            guard let base = samples.baseAddress else { return }
            for index in 0..<blocks {
                var sum: Float = 0
                let start = base + index * block
                for n in 0..<block {
                    let y = filter.process(start[n])
                    sum += y * y
                }
                power[index] = Double(sum) / Double(block)
            }
        }
        let perHop = hop / block, perWindow = window / block
        let frames = (blocks - perWindow) / perHop + 1
        var framePower = [Double](repeating: 0, count: frames)
        for frame in 0..<frames {
            var sum = 0.0
            for index in (frame * perHop)..<(frame * perHop + perWindow) { sum += blockPower[index] }
            framePower[frame] = sum / Double(perWindow)
        }
        let levels = framePower.map { 10 * log10($0 + 1e-12) }
        let sorted = levels.sorted()
        let floor = sorted[Int(Double(frames - 1) * 0.10)]
        let top = sorted[Int(Double(frames - 1) * 0.99)]
        let range = top - floor
        // Nothing stands out of the noise (or it is all digital silence): no speech.
        guard range >= 6, top > -75 else {
            return VoiceActivity(segments: [], floorDB: floor, rangeDB: range, snrDB: nil, duration: duration)
        }
        let high = floor + 0.40 * range, low = floor + 0.25 * range
        let blockLevels = blockPower.map { 10 * log10($0 + 1e-12) }
        let blockSeconds = Double(block) / Double(sampleRate)

        var raw: [SpeechSegment] = []
        var onsetBlock: Int?
        for frame in 0..<frames {
            if onsetBlock == nil, levels[frame] > high {
                // The first block of this window above the lower threshold, followed back
                // while the level stays above it (a soft onset), by at most 50 ms.
                let first = frame * perHop
                let previousEnd = raw.last.map { Int(($0.end / blockSeconds).rounded()) } ?? 0
                var found = (first..<(first + perWindow)).first { blockLevels[$0] > low } ?? first
                let limit = max(previousEnd, first - 20)
                while found > limit, blockLevels[found - 1] > low { found -= 1 }
                onsetBlock = max(found, previousEnd)
            } else if let start = onsetBlock, levels[frame] < low {
                // The last block above the lower threshold in this window or the one before.
                let first = max(start, (frame - 1) * perHop)
                let last = ((first..<(frame * perHop + perWindow)).last { blockLevels[$0] > low } ?? first) + 1
                raw.append(SpeechSegment(start: Double(start) * blockSeconds, end: Double(max(last, start + 1)) * blockSeconds))
                onsetBlock = nil
            }
        }
        if let start = onsetBlock {
            raw.append(SpeechSegment(start: Double(start) * blockSeconds, end: Double(blocks) * blockSeconds))
        }
        // Edges follow the speech out to where it meets the noise: 10 ms windows (every
        // 2.5 ms) more than 4 dB above the floor, by at most 150 ms.
        let edgeLevel = floor + 4
        let perTen = 4
        func tenLevel(_ first: Int) -> Double {
            guard first >= 0, first + perTen <= blocks else { return -.infinity }
            var sum = 0.0
            for index in first..<(first + perTen) { sum += blockPower[index] }
            return 10 * log10(sum / Double(perTen) + 1e-12)
        }
        let reach = Int(0.150 / blockSeconds)
        for index in raw.indices {
            var start = Int((raw[index].start / blockSeconds).rounded())
            let previousEnd = index > 0 ? Int((raw[index - 1].end / blockSeconds).rounded()) : 0
            let startLimit = max(previousEnd, start - reach)
            while start > startLimit, tenLevel(start - perTen) > edgeLevel { start -= 1 }
            var end = Int((raw[index].end / blockSeconds).rounded())
            let nextStart = index + 1 < raw.count ? Int((raw[index + 1].start / blockSeconds).rounded()) : blocks
            let endLimit = min(nextStart, end + reach)
            while end < endLimit, tenLevel(end) > edgeLevel { end += 1 }
            raw[index] = SpeechSegment(start: Double(start) * blockSeconds, end: Double(end) * blockSeconds)
        }
        var merged: [SpeechSegment] = []
        for segment in raw {
            if let last = merged.last, segment.start - last.end < minimumGap {
                merged[merged.count - 1].end = max(last.end, segment.end)
            } else {
                merged.append(segment)
            }
        }
        let segments = merged.filter { $0.duration >= minimumBurst }

        // SNR: power inside the speech against the quietest tenth of the windows.
        let quiet = framePower.sorted().prefix(max(1, frames / 10))
        let noise = quiet.reduce(0, +) / Double(quiet.count)
        var speech = 0.0, speechFrames = 0
        var cursor = 0
        for frame in 0..<frames {
            let centre = (Double(frame * hop) + Double(window) / 2) / Double(sampleRate)
            while cursor < segments.count, segments[cursor].end < centre { cursor += 1 }
            if cursor < segments.count, segments[cursor].start <= centre {
                speech += framePower[frame]
                speechFrames += 1
            }
        }
        var snr: Double?
        if speechFrames > 0 {
            let signal = max(speech / Double(speechFrames) - noise, 1e-20)
            snr = min(99, 10 * log10(signal / max(noise, 1e-20)))
        }
        return VoiceActivity(segments: segments, floorDB: floor, rangeDB: range, snrDB: snr, duration: duration)
    }
}

/// 250–4000 Hz: two second-order high-pass and two low-pass sections (RBJ's biquads).
private struct BandPass {
    private var high1: Biquad, high2: Biquad, low1: Biquad, low2: Biquad

    init(sampleRate: Double) {
        high1 = Biquad(highPass: 250, sampleRate: sampleRate)
        high2 = high1
        low1 = Biquad(lowPass: 4000, sampleRate: sampleRate)
        low2 = low1
    }

    @inline(__always)
    mutating func process(_ x: Float) -> Float {
        low2.process(low1.process(high2.process(high1.process(x))))
    }
}

private struct Biquad {
    var b0: Float, b1: Float, b2: Float, a1: Float, a2: Float
    var z1: Float = 0, z2: Float = 0

    init(highPass frequency: Double, sampleRate: Double) {
        let (cosine, alpha) = Biquad.prewarp(frequency, sampleRate)
        let a0 = 1 + alpha
        b0 = Float((1 + cosine) / 2 / a0); b1 = Float(-(1 + cosine) / a0); b2 = b0
        a1 = Float(-2 * cosine / a0); a2 = Float((1 - alpha) / a0)
    }

    init(lowPass frequency: Double, sampleRate: Double) {
        let (cosine, alpha) = Biquad.prewarp(frequency, sampleRate)
        let a0 = 1 + alpha
        b0 = Float((1 - cosine) / 2 / a0); b1 = Float((1 - cosine) / a0); b2 = b0
        a1 = Float(-2 * cosine / a0); a2 = Float((1 - alpha) / a0)
    }

    private static func prewarp(_ frequency: Double, _ sampleRate: Double) -> (Double, Double) {
        let omega = 2 * Double.pi * frequency / sampleRate
        return (cos(omega), sin(omega) / (2 * 0.7071067811865476))
    }

    @inline(__always)
    mutating func process(_ x: Float) -> Float {
        // Transposed direct form II.
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }
}
