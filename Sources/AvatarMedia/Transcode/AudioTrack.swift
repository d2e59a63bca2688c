import CFFmpeg
import Foundation

/// The renditions' audio, made once: decoded frames are converted to planar float at the
/// output rate, placed on the output timeline (cut where the video is cut, silence where the
/// audio starts late), given the loudness gain, limited, measured, and encoded once per
/// codec. Every encoded packet goes to `deliver`, which hands it to the renditions.
final class AudioTrack {
    typealias Deliver = (AudioCodecSettings, Packet) throws -> Void

    let sampleRate: Int
    let channels: Int
    let gainDB: Double
    private let path: String
    private let converter: AudioFrameConverter
    private let gain: Float
    private let limiter: PeakLimiter?
    private var meter: LoudnessMeter
    private var truePeak: TruePeakMeter
    private let encoders: [(settings: AudioCodecSettings, encoder: AudioEncoder)]
    private let timeBase: AVRational

    /// Source seconds of the first converted sample.
    private var firstSampleTime: Double?
    /// Converted samples that arrived before the output's start was known.
    private var held: [[Float]]
    private var placed = false
    private var origin: Double?
    /// Samples still to drop before the output starts (the audio began before the video).
    private var skip = 0
    private var endSample: Int64?
    private(set) var samplesOut: Int64 = 0
    private var scratch: [[Float]]

    init(path: String, timeBase: AVRational, sampleRate: Int, channels: Int, gainDB: Double, limit ceiling: Double?,
         codecs: [AudioCodecSettings]) throws {
        self.path = path
        self.timeBase = timeBase
        self.sampleRate = sampleRate
        self.channels = channels
        self.gainDB = gainDB
        converter = AudioFrameConverter(path: path, sampleRate: sampleRate, channels: channels)
        gain = Float(pow(10, gainDB / 20))
        limiter = ceiling.map { PeakLimiter(channels: channels, sampleRate: sampleRate, ceilingDBFS: $0, truePeak: true) }
        truePeak = TruePeakMeter(channels: channels)
        meter = LoudnessMeter(sampleRate: sampleRate, channelWeights: Array(repeating: 1, count: channels))
        encoders = try codecs.map { settings in
            (settings, try AudioEncoder(codecName: settings.codec, sampleRate: sampleRate, channels: channels,
                                        bitRate: settings.bitRate, globalHeader: true, path: path))
        }
        held = Array(repeating: [], count: channels)
        scratch = Array(repeating: [], count: channels)
    }

    func encoder(for settings: AudioCodecSettings) -> AudioEncoder? {
        encoders.first { $0.settings == settings }?.encoder
    }

    /// True once every sample up to the output's end has been placed.
    var isComplete: Bool { endSample.map { samplesOut >= $0 } ?? false }

    var outputLoudness: Double? { meter.integrated }
    var outputTruePeak: Double? { truePeak.dBTP }
    var limiterReduction: Double { limiter.map { -20 * log10(Double(max($0.maxReduction, 1e-6))) } ?? 0 }

    /// Fixes the output timeline: sample 0 is source time `origin`, and nothing at or after
    /// `end` (source seconds) is kept. Samples that came early are placed now.
    func begin(at origin: Double, end: Double?, _ deliver: Deliver) throws {
        self.origin = origin
        endSample = end.map { Int64((($0 - origin) * Double(sampleRate)).rounded()) }
        guard firstSampleTime != nil else { return }
        try startPlacing(deliver)
        let samples = held
        held = Array(repeating: [], count: channels)
        try AudioBlock.with(samples, frames: samples.first?.count ?? 0) { try place($0, deliver) }
    }

    /// Takes one decoded frame.
    func add(_ frame: Frame, _ deliver: Deliver) throws {
        if firstSampleTime == nil {
            let pts = frame.pointer.pointee.best_effort_timestamp
            firstSampleTime = pts == swift_AV_NOPTS_VALUE ? 0 : Double(pts) * av_q2d(timeBase)
            if origin != nil { try startPlacing(deliver) }
        }
        try converter.convert(frame.pointer) { block in
            if origin == nil {
                for channel in 0..<channels { held[channel].append(contentsOf: block.channels[channel]) }
            } else {
                try place(block, deliver)
            }
        }
    }

    /// Drains the resampler, the limiter and the encoders.
    func finish(_ deliver: Deliver) throws {
        if origin != nil { try converter.flush { try place($0, deliver) } }
        try limiter?.finish { try encode($0, deliver) }
        for (settings, encoder) in encoders {
            try encoder.finish { try deliver(settings, $0) }
        }
    }

    /// Works out, once both are known, how the audio's start lines up with the output's.
    private func startPlacing(_ deliver: Deliver) throws {
        guard !placed, let origin, let firstSampleTime else { return }
        placed = true
        let offset = Int(((firstSampleTime - origin) * Double(sampleRate)).rounded())
        if offset < 0 {
            skip = -offset
        } else if offset > 0 {
            // The audio starts after the video: silence until it does.
            let silence = Array(repeating: Array(repeating: Float(0), count: offset), count: channels)
            try AudioBlock.with(silence, frames: offset) { try place($0, deliver) }
        }
    }

    private func place(_ block: AudioBlock, _ deliver: Deliver) throws {
        var from = 0
        if skip > 0 {
            from = min(skip, block.frames)
            skip -= from
        }
        var to = block.frames
        if let endSample { to = min(to, from + Int(max(0, endSample - samplesOut))) }
        guard to > from else { return }
        samplesOut += Int64(to - from)
        let part = AudioBlock(frames: to - from, channels: block.channels.map { UnsafeBufferPointer(rebasing: $0[from..<to]) })
        guard gain != 1 else { return try limit(part, deliver) }
        for channel in 0..<channels {
            if scratch[channel].count < part.frames { scratch[channel] = Array(repeating: 0, count: part.frames) }
            for i in 0..<part.frames { scratch[channel][i] = part.channels[channel][i] * gain }
        }
        try AudioBlock.with(scratch, frames: part.frames) { try limit($0, deliver) }
    }

    private func limit(_ block: AudioBlock, _ deliver: Deliver) throws {
        if let limiter {
            try limiter.process(block) { try encode($0, deliver) }
        } else {
            try encode(block, deliver)
        }
    }

    private func encode(_ block: AudioBlock, _ deliver: Deliver) throws {
        meter.add(block)
        truePeak.add(block)
        for (settings, encoder) in encoders {
            try encoder.encode(block.channels, frames: block.frames) { try deliver(settings, $0) }
        }
    }
}

/// The first pass of loudness normalisation: integrated loudness and true peak of the audio
/// over the output range, as it will be encoded (same rate and channels).
enum LoudnessScan {
    private struct Enough: Error {}

    /// Integrated loudness (LUFS) and true peak (dBTP) of `[start, end)`.
    static func measure(_ path: String, sampleRate: Int, channels: Int, from start: Double, to end: Double?) throws
        -> (loudness: Double?, truePeak: Double?) {
        var meter = LoudnessMeter(sampleRate: sampleRate, channelWeights: Array(repeating: 1, count: channels))
        var peak = TruePeakMeter(channels: channels)
        try scan(path, sampleRate: sampleRate, channels: channels, from: start, to: end) { part in
            meter.add(part)
            peak.add(part)
        }
        return (meter.integrated, peak.dBTP)
    }

    /// Integrated loudness of `[start, end)` after `gainDB` and the true-peak limiter at
    /// `ceiling` dBTP: where a loud gain lands once the limiter has taken its share.
    static func loudness(_ path: String, sampleRate: Int, channels: Int, from start: Double, to end: Double?,
                         gainDB: Double, ceiling: Double) throws -> Double? {
        var meter = LoudnessMeter(sampleRate: sampleRate, channelWeights: Array(repeating: 1, count: channels))
        let limiter = PeakLimiter(channels: channels, sampleRate: sampleRate, ceilingDBFS: ceiling, truePeak: true)
        let gain = Float(pow(10, gainDB / 20))
        var scratch = Array(repeating: [Float](), count: channels)
        try scan(path, sampleRate: sampleRate, channels: channels, from: start, to: end) { part in
            for channel in 0..<channels { scratch[channel] = part.channels[channel].map { $0 * gain } }
            try AudioBlock.with(scratch, frames: part.frames) { try limiter.process($0) { meter.add($0) } }
        }
        try limiter.finish { meter.add($0) }
        return meter.integrated
    }

    /// Hands the samples of `[start, end)` to `body` in blocks.
    private static func scan(_ path: String, sampleRate: Int, channels: Int, from start: Double, to end: Double?,
                             _ body: (AudioBlock) throws -> Void) throws {
        let reader = try AudioReader(path: path, sampleRate: sampleRate, channels: channels)
        let first = Int(start * Double(sampleRate)), last = end.map { Int($0 * Double(sampleRate)) } ?? Int.max
        var position = 0
        do {
            try reader.read { block in
                defer { position += block.frames }
                let from = max(0, first - position), to = min(block.frames, last - position)
                if to > from {
                    try body(AudioBlock(frames: to - from, channels: block.channels.map { UnsafeBufferPointer(rebasing: $0[from..<to]) }))
                }
                if position + block.frames >= last { throw Enough() }
            }
        } catch is Enough {}
    }
}
