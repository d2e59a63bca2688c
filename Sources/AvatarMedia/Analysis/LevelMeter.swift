import Foundation

/// Sample-level facts of decoded audio: the peak, clipping (runs of samples at full scale),
/// and the RMS level of every 10 ms frame, from which silence and speech are judged.
public struct LevelMeter: Sendable {
    public static let clipThreshold: Float = 0.999
    /// A run this long at full scale is clipping, not a legitimate peak.
    public static let clipRun = 3

    public let frameDuration: Double
    public private(set) var peak: Float = 0
    public private(set) var clippedSamples = 0
    public private(set) var clipEvents = 0
    /// RMS level of each frame in dBFS (mean square over the frame's samples and channels).
    public private(set) var frameLevels: [Float] = []

    private let frameLength: Int
    private var runs: [Int]
    private var frameSum = 0.0
    private var framePosition = 0
    private let channelCount: Int

    public init(sampleRate: Int, channels: Int, frameDuration: Double = 0.01) {
        self.frameDuration = frameDuration
        frameLength = max(1, Int((Double(sampleRate) * frameDuration).rounded()))
        runs = Array(repeating: 0, count: channels)
        channelCount = channels
    }

    public mutating func add(_ block: AudioBlock) {
        for (channel, samples) in block.channels.enumerated() {
            scanPeaks(samples, channel: channel)
        }
        var offset = 0
        while offset < block.frames {
            let count = min(block.frames - offset, frameLength - framePosition)
            for samples in block.channels {
                for i in offset..<(offset + count) {
                    let x = Double(samples[i])
                    frameSum += x * x
                }
            }
            offset += count
            framePosition += count
            if framePosition == frameLength { closeFrame() }
        }
    }

    /// Closes a partial last frame and any open clipping runs; call once at the end.
    public mutating func finish() {
        if framePosition > 0 { closeFrame() }
        for channel in runs.indices { endRun(channel) }
    }

    private mutating func closeFrame() {
        let meanSquare = frameSum / Double(max(1, framePosition * channelCount))
        frameLevels.append(Float(10 * log10(max(meanSquare, 1e-12))))
        frameSum = 0
        framePosition = 0
    }

    private mutating func scanPeaks(_ samples: UnsafeBufferPointer<Float>, channel: Int) {
        var run = runs[channel]
        var localPeak = peak
        for x in samples {
            let magnitude = abs(x)
            if magnitude > localPeak { localPeak = magnitude }
            if magnitude >= Self.clipThreshold {
                run += 1
            } else if run > 0 {
                if run >= Self.clipRun { clipEvents += 1; clippedSamples += run }
                run = 0
            }
        }
        runs[channel] = run
        peak = localPeak
    }

    private mutating func endRun(_ channel: Int) {
        if runs[channel] >= Self.clipRun { clipEvents += 1; clippedSamples += runs[channel] }
        runs[channel] = 0
    }

    public var peakDBFS: Double { 20 * log10(max(Double(peak), 1e-10)) }
}
