/// Everything one decoding pass over an audio file can tell: decoded duration, loudness,
/// peak, clipping and the 10 ms level profile (for silence and speech activity).
public struct AudioAnalysis: Sendable {
    public var codec: String
    public var sampleRate: Int
    public var channels: Int
    /// Seconds of audio actually decoded (not what the header declares).
    public var decodedDuration: Double
    public var damagedPackets: Int
    public var integratedLoudness: Double?
    public var loudnessRange: Double?
    public var maxMomentaryLoudness: Double?
    public var peakDBFS: Double
    public var clippedSamples: Int
    public var clipEvents: Int
    public var totalSamples: Int64
    public var frameDuration: Double
    public var frameLevels: [Float]

    /// Decodes `path` once, at its own rate and channel layout (loudness weights channels,
    /// so no downmix happens before measuring).
    public static func analyze(_ path: String) throws -> AudioAnalysis {
        let reader = try AudioReader(path: path)
        var loudness = LoudnessMeter(sampleRate: reader.outputSampleRate, channelWeights: reader.channelWeights)
        var levels = LevelMeter(sampleRate: reader.outputSampleRate, channels: reader.outputChannels)
        let summary = try reader.read { block in
            loudness.add(block)
            levels.add(block)
        }
        levels.finish()
        return AudioAnalysis(
            codec: reader.codec,
            sampleRate: reader.sourceSampleRate,
            channels: reader.sourceChannels,
            decodedDuration: Double(summary.frames) / Double(reader.outputSampleRate),
            damagedPackets: summary.damagedPackets,
            integratedLoudness: loudness.integrated,
            loudnessRange: loudness.range,
            maxMomentaryLoudness: loudness.maxMomentary,
            peakDBFS: levels.peakDBFS,
            clippedSamples: levels.clippedSamples,
            clipEvents: levels.clipEvents,
            totalSamples: summary.frames * Int64(reader.outputChannels),
            frameDuration: levels.frameDuration,
            frameLevels: levels.frameLevels
        )
    }
}
