import AvatarMedia
import Foundation

/// How open the mouth is at each video frame: the audio's short-time level around the
/// frame's time (40 ms window), relative to the recording's loud reference, with a fast
/// attack and a slower release so it reads as speech rather than flicker.
struct SpeechEnvelope {
    let openness: [Float]
    let duration: Double

    static let analysisRate = 16000

    static func measure(_ path: String, frameRate: Int) throws -> SpeechEnvelope {
        var meter = LevelMeter(sampleRate: analysisRate, channels: 1, frameDuration: 0.01)
        let reader = try AudioReader(path: path, sampleRate: analysisRate, mono: true)
        let summary = try reader.read { meter.add($0) }
        meter.finish()
        let duration = Double(summary.frames) / Double(analysisRate)
        return SpeechEnvelope(openness: openness(levels: meter.frameLevels, frameRate: frameRate, duration: duration), duration: duration)
    }

    /// 10 ms levels (dBFS) to one openness value (0…1) per video frame.
    static func openness(levels: [Float], frameRate: Int, duration: Double) -> [Float] {
        guard !levels.isEmpty else { return [] }
        let sorted = levels.sorted()
        let loud = sorted[Int(Double(sorted.count - 1) * 0.95)]
        let frames = max(1, Int((duration * Double(frameRate)).rounded()))
        var result: [Float] = []
        var state: Float = 0
        for frame in 0..<frames {
            let center = (Double(frame) + 0.5) / Double(frameRate) / 0.01
            let low = max(0, Int(center) - 2), high = min(levels.count - 1, Int(center) + 2)
            let window = low <= high ? levels[low...high] : levels[levels.count - 1...levels.count - 1]
            let power = window.map { pow(10, $0 / 10) }.reduce(0, +) / Float(window.count)
            let level = 10 * log10(max(power, 1e-12))
            let target = min(1, max(0, (level - (loud - 30)) / 24))
            state += (target - state) * (target > state ? 0.7 : 0.35)
            result.append(state)
        }
        return result
    }
}
