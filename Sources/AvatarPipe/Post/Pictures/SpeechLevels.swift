import AvatarMedia

/// The loudness of a video's speech in 10 ms steps: where the speech starts and ends (as the
/// preflight judges it, `SpeechActivity`) and how loud any instant is, which tells a mouth
/// at rest from a mouth that is talking.
struct SpeechLevels: Sendable {
    let levels: [Float]
    let frameDuration: Double
    let activity: SpeechActivity

    init(levels: [Float], frameDuration: Double) {
        self.levels = levels
        self.frameDuration = frameDuration
        activity = SpeechActivity(levels: levels, frameDuration: frameDuration)
    }

    /// Decodes the best audio stream of `path` (mono). Throws `MediaError(.noStream)` when it has none.
    static func measure(_ path: String) throws -> SpeechLevels {
        let reader = try AudioReader(path: path, sampleRate: nil, channels: 1)
        var meter = LevelMeter(sampleRate: reader.outputSampleRate, channels: 1)
        try reader.read { meter.add($0) }
        meter.finish()
        return SpeechLevels(levels: meter.frameLevels, frameDuration: meter.frameDuration)
    }

    var duration: Double { Double(levels.count) * frameDuration }

    /// The level of the loudest moments, in dBFS.
    var reference: Double { activity.reference }

    /// Under this level a moment is a pause, as `SpeechActivity` counts it.
    var pauseLevel: Double { max(Double(SpeechActivity.floorDBFS), reference - Double(SpeechActivity.dynamicRange)) }

    /// From the first to the last run of speech; nil when the audio is silent.
    var span: PictureSet.Span? {
        guard !activity.isSilent, !levels.isEmpty else { return nil }
        let start = activity.leadingSilence, end = duration - activity.trailingSilence
        return end > start ? PictureSet.Span(start: start, end: end) : nil
    }

    /// The loudest 10 ms level within `radius` seconds of `time`.
    func level(at time: Double, radius: Double = 0.05) -> Double {
        guard !levels.isEmpty else { return -120 }
        let first = max(0, Int(((time - radius) / frameDuration).rounded(.down)))
        let last = min(levels.count - 1, Int(((time + radius) / frameDuration).rounded(.down)))
        guard first <= last else { return Double(levels[min(levels.count - 1, max(0, first))]) }
        return Double(levels[first...last].max() ?? -120)
    }

    /// 1 in a pause, 0 at 10 dB under the loudest moments, linear between.
    func mouthRest(at time: Double) -> Double {
        let loud = reference - 10
        guard loud > pauseLevel else { return 1 }
        return min(1, max(0, (loud - level(at: time)) / (loud - pauseLevel)))
    }

    /// The start of the `length`-second window inside `span` with the most speech above the
    /// pause level: the liveliest stretch, for an animated preview.
    func liveliestWindow(length: Double, within span: PictureSet.Span) -> Double {
        guard span.length > length, !levels.isEmpty else { return max(0, span.start + (span.length - length) / 2) }
        let floor = pauseLevel
        let energy = levels.map { max(0, Double($0) - floor) }
        var prefix = [0.0]
        prefix.reserveCapacity(energy.count + 1)
        for value in energy { prefix.append(prefix[prefix.count - 1] + value) }
        func sum(from start: Double) -> Double {
            let a = min(energy.count, max(0, Int(start / frameDuration)))
            let b = min(energy.count, max(a, Int((start + length) / frameDuration)))
            return prefix[b] - prefix[a]
        }
        var best = span.start, bestSum = -1.0
        var start = span.start
        while start + length <= span.end + 1e-9 {
            let value = sum(from: start)
            if value > bestSum { best = start; bestSum = value }
            start += 0.1
        }
        return best
    }
}
