import AvatarMedia
import Foundation

/// Makes the audio the service will get: WAV (16-bit PCM) or MP3, mono or stereo, 44.1 or
/// 48 kHz, optionally trimmed of leading/trailing silence beyond a margin and normalised to a
/// loudness target. A file the service already takes is used as it is unless asked otherwise.
public struct AudioPreparation: Sendable, Fingerprinted {
    public enum Channels: String, Sendable, Codable {
        /// Mono stays mono, more than two channels become stereo.
        case auto, mono, stereo
    }

    public var container: AudioFileWriter.Container = .wav
    public var channels: Channels = .auto
    /// 44100 or 48000; nil keeps 44.1 kHz sources at 44.1 and makes everything else 48 kHz.
    public var sampleRate: Int?
    /// Seconds of silence to keep before and after the speech; nil leaves silence alone.
    public var trimSilenceMargin: Double?
    /// Integrated loudness to normalise to, LUFS; nil leaves the level alone.
    public var loudnessTarget: Double?
    /// The highest sample peak normalisation may produce, dBFS.
    public var peakCeiling = -1.0
    /// Re-encode even when the original would do.
    public var forceConversion = false

    public init() {}

    var fingerprint: String {
        [container.rawValue, channels.rawValue, sampleRate.map(String.init) ?? "auto",
         trimSilenceMargin.map { String($0) } ?? "notrim", loudnessTarget.map { String($0) } ?? "nonorm",
         String(peakCeiling), String(forceConversion)].joined(separator: "|")
    }
}

public enum AudioPreparer {
    public static func prepare(_ facts: AudioFacts, options: AudioPreparation, into directory: String) throws -> PreparedFile {
        let sourceHash = try FileHash.sha256(ofFile: facts.path)
        let plan = AudioPlan(facts: facts, options: options)
        let ext = plan.isUnchanged ? facts.format : options.container.rawValue
        let target = PreparedName.path(in: directory, role: "audio", sourceHash: sourceHash, options: options, ext: ext)
        if FileManager.default.fileExists(atPath: target) {
            return try describe(target, facts: facts, reused: true, changes: plan.changes)
        }
        var changes = plan.changes
        if plan.isUnchanged {
            try AtomicFile.write(to: target) { try FileManager.default.copyItem(atPath: facts.path, toPath: $0) }
        } else {
            changes += try plan.render(from: facts.path, to: target, container: options.container)
        }
        return try describe(target, facts: facts, reused: false, changes: changes)
    }

    static func describe(_ path: String, facts: AudioFacts, reused: Bool, changes: [String]) throws -> PreparedFile {
        PreparedFile(role: "audio", source: facts.path, path: path, sha256: try FileHash.sha256(ofFile: path),
                     bytes: try InputFile.validate(path), reused: reused, changes: changes)
    }
}

/// What preparation will do to one audio file, decided from the check's facts.
struct AudioPlan {
    var sampleRate: Int
    var channels: Int
    /// Seconds of the source to keep.
    var keep: ClosedRange<Double>?
    var loudnessTarget: Double?
    var peakCeiling: Double
    var changes: [String] = []

    var isUnchanged: Bool { changes.isEmpty }

    init(facts: AudioFacts, options: AudioPreparation) {
        let sourceRate = facts.sampleRate ?? 48000, sourceChannels = facts.channels ?? 1
        sampleRate = options.sampleRate ?? (sourceRate == 44100 ? 44100 : 48000)
        switch options.channels {
        case .auto: channels = min(2, sourceChannels)
        case .mono: channels = 1
        case .stereo: channels = 2
        }
        peakCeiling = options.peakCeiling
        let container = options.container.rawValue.uppercased()
        let accepted = (facts.format == "wav" && (facts.codec ?? "").hasPrefix("pcm_")) || (facts.format == "mp3" && facts.codec == "mp3")
        if !accepted {
            changes.append("converted \(facts.format.uppercased()) (\(facts.codec ?? "?")) to \(container): the service takes WAV or MP3")
        }
        if sourceChannels != channels {
            changes.append("mixed \(sourceChannels) channel\(sourceChannels == 1 ? "" : "s") to \(channels == 1 ? "mono" : "stereo")")
        }
        if let requested = options.sampleRate, requested != sourceRate {
            changes.append("resampled \(sourceRate) Hz to \(requested) Hz as asked")
        }
        if let margin = options.trimSilenceMargin { keep = AudioPlan.trimRange(facts, margin: margin, changes: &changes) }
        if let target = options.loudnessTarget, let measured = facts.loudnessLufs, abs(measured - target) > 0.5 {
            loudnessTarget = target
            changes.append("normalised loudness from \(Format.decibels(measured, unit: "LUFS")) to \(Format.decibels(target, unit: "LUFS"))")
        }
        if options.forceConversion && changes.isEmpty { changes.append("re-encoded as asked") }
        guard !changes.isEmpty else { return }
        // Once the file is re-encoded anyway, it gets the standard rate and the chosen container.
        if options.sampleRate == nil && sourceRate != sampleRate { changes.append("resampled \(sourceRate) Hz to \(sampleRate) Hz") }
        if accepted && facts.format != options.container.rawValue { changes.append("written as \(container)") }
    }

    static func trimRange(_ facts: AudioFacts, margin: Double, changes: inout [String]) -> ClosedRange<Double>? {
        guard let duration = facts.duration else { return nil }
        let start = max(0, (facts.leadingSilence ?? 0) - margin)
        let end = min(duration, duration - (facts.trailingSilence ?? 0) + margin)
        guard end > start, start > 0.05 || duration - end > 0.05 else { return nil }
        changes.append("trimmed silence: kept \(Format.seconds(start))–\(Format.seconds(end)) of \(Format.seconds(duration)) "
                       + "(\(Format.seconds(margin)) around the speech)")
        return start...end
    }

    /// The most gain normalisation applies, dB: more would mostly raise noise.
    static let maxGain = 24.0

    /// Decodes, converts and writes; returns remarks learnt while doing it (the gain used).
    func render(from source: String, to target: String, container: AudioFileWriter.Container) throws -> [String] {
        guard let loudnessTarget else {
            _ = try write(from: source, to: target, container: container, gain: 0, limit: false)
            return []
        }
        guard let measured = try measure(source) else {
            _ = try write(from: source, to: target, container: container, gain: 0, limit: false)
            return ["too quiet to measure its loudness: the level is unchanged"]
        }
        // The limiter takes a little loudness off the peaks: measure the result, correct once.
        var gain = min(AudioPlan.maxGain, loudnessTarget - measured)
        var written = try write(from: source, to: target, container: container, gain: gain, limit: true)
        if let result = written.loudness, abs(result - loudnessTarget) > 0.3, gain < AudioPlan.maxGain {
            gain = min(AudioPlan.maxGain, gain + loudnessTarget - result)
            written = try write(from: source, to: target, container: container, gain: gain, limit: true)
        }
        var remarks = ["applied \(String(format: "%+.1f", gain)) dB of gain"]
        if written.limiting < 0.99 {
            remarks.append("limited peaks to \(Format.decibels(peakCeiling, unit: "dBFS")) "
                           + "(at most \(Format.decibels(-20 * log10(Double(written.limiting)), unit: "dB")) of reduction)")
        }
        if let result = written.loudness { remarks.append("the result measures \(Format.decibels(result, unit: "LUFS"))") }
        return remarks
    }

    /// Loudness after the conversion (downmixing changes it).
    func measure(_ source: String) throws -> Double? {
        let reader = try AudioReader(path: source, sampleRate: sampleRate, channels: channels)
        var meter = LoudnessMeter(sampleRate: sampleRate, channelWeights: reader.channelWeights)
        try trimmed(reader) { meter.add($0) }
        return meter.integrated
    }

    /// Writes the converted audio with `gain` dB (limited to the peak ceiling when `limit`);
    /// returns the written audio's loudness and the deepest gain reduction of the limiter.
    func write(from source: String, to target: String, container: AudioFileWriter.Container,
               gain: Double, limit: Bool) throws -> (loudness: Double?, limiting: Float) {
        let reader = try AudioReader(path: source, sampleRate: sampleRate, channels: channels)
        let writer = try AudioFileWriter(path: target, container: container, sampleRate: sampleRate, channels: channels)
        var meter = LoudnessMeter(sampleRate: sampleRate, channelWeights: reader.channelWeights)
        let limiter = limit ? PeakLimiter(channels: channels, sampleRate: sampleRate, ceilingDBFS: peakCeiling) : nil
        let scratch = SampleBuffers(channels: channels)
        let factor = Float(pow(10, gain / 20))
        let sink: (AudioBlock) throws -> Void = { block in
            meter.add(block)
            try writer.write(block.channels, frames: block.frames)
        }
        try trimmed(reader) { block in
            let scaled = factor == 1 ? block : AudioBlock(frames: block.frames, channels: scratch.scaled(block, by: factor, clip: !limit))
            if let limiter { try limiter.process(scaled, sink) } else { try sink(scaled) }
        }
        try limiter?.finish(sink)
        try writer.finish()
        return (meter.integrated, limiter?.maxReduction ?? 1)
    }

    /// Reads `reader` to the end, passing on only the samples inside `keep`.
    func trimmed(_ reader: AudioReader, _ body: (AudioBlock) throws -> Void) throws {
        let first = Int64(((keep?.lowerBound ?? 0) * Double(sampleRate)).rounded())
        let last = keep.map { Int64(($0.upperBound * Double(sampleRate)).rounded()) } ?? Int64.max
        var position: Int64 = 0
        try reader.read { block in
            let start = max(first, position), end = min(last, position + Int64(block.frames))
            defer { position += Int64(block.frames) }
            guard end > start else { return }
            let offset = Int(start - position), count = Int(end - start)
            let channels = block.channels.map { UnsafeBufferPointer(rebasing: $0[offset..<(offset + count)]) }
            try body(AudioBlock(frames: count, channels: channels))
        }
    }
}

/// Reusable per-channel buffers for samples with a gain applied.
final class SampleBuffers {
    private var buffers: [UnsafeMutableBufferPointer<Float>]

    init(channels: Int) {
        buffers = (0..<channels).map { _ in .allocate(capacity: 0) }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    /// The block times `gain`; clipped to full scale when `clip` (a limiter follows otherwise).
    func scaled(_ block: AudioBlock, by gain: Float, clip: Bool) -> [UnsafeBufferPointer<Float>] {
        for (channel, samples) in block.channels.enumerated() {
            if buffers[channel].count < block.frames {
                buffers[channel].deallocate()
                buffers[channel] = .allocate(capacity: block.frames)
            }
            for i in 0..<block.frames {
                let value = samples[i] * gain
                buffers[channel][i] = clip ? max(-1, min(1, value)) : value
            }
        }
        return buffers.map { UnsafeBufferPointer(start: $0.baseAddress, count: block.frames) }
    }
}
