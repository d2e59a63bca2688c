import AvatarMedia
import Foundation

/// What the check learnt about the audio. Durations are seconds of audio actually decoded.
public struct AudioFacts: Codable, Sendable, Equatable {
    public var path: String
    public var format: String
    public var codec: String?
    public var duration: Double?
    public var declaredDuration: Double?
    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?
    public var bytes: Int64
    public var fileExtension: String
    public var loudnessLufs: Double?
    public var loudnessRangeLu: Double?
    public var peakDbfs: Double?
    public var clippedSamples: Int?
    public var leadingSilence: Double?
    public var trailingSilence: Double?
    public var silenceRatio: Double?
    public var damagedPackets: Int?
}

/// The audio checks: a container and codec the service takes (or convertible), complete,
/// within the length limits, with speech in it, not clipped, at a sensible loudness.
public enum AudioCheck {
    public static let blockBelowSeconds = 1.0
    public static let warnBelowSeconds = 3.0
    public static let silenceWarnSeconds = 1.5
    public static let quietLUFS = -30.0
    public static let loudLUFS = -9.0

    public static func run(path: String) -> (AudioFacts?, [Finding]) {
        let info: MediaInfo
        do {
            info = try MediaProbe.probe(path)
        } catch {
            return (nil, [InputFailure.finding(error, path: path, subject: "audio", role: "audio")])
        }
        guard let stream = info.firstAudio else {
            let what = info.firstVideo != nil ? "holds a picture or video but no audio" : "holds no audio stream"
            return (nil, [Finding(.block, "audio.unreadable", "\(path) \(what), so it cannot serve as the audio.", unreadable: true)])
        }
        var facts = AudioFacts(path: path, format: info.container, codec: stream.codec, declaredDuration: info.duration,
                               sampleRate: stream.sampleRate, channels: stream.channels, channelLayout: stream.channelLayout,
                               bytes: info.bytes, fileExtension: URL(fileURLWithPath: path).pathExtension.lowercased())
        var findings = [formatFinding(facts, stream: stream), extensionFinding(facts)].compactMap { $0 }
        if let truncated = truncationFinding(path) {
            return (facts, findings + [truncated])
        }
        let analysis: AudioAnalysis
        do {
            analysis = try AudioAnalysis.analyze(path)
        } catch {
            return (facts, findings + [InputFailure.finding(error, path: path, subject: "audio", role: "audio")])
        }
        let activity = SpeechActivity(levels: analysis.frameLevels, frameDuration: analysis.frameDuration)
        facts.duration = analysis.decodedDuration
        facts.loudnessLufs = analysis.integratedLoudness
        facts.loudnessRangeLu = analysis.loudnessRange
        facts.peakDbfs = analysis.peakDBFS
        facts.clippedSamples = analysis.clippedSamples
        facts.leadingSilence = activity.leadingSilence
        facts.trailingSilence = activity.trailingSilence
        facts.silenceRatio = activity.silenceRatio
        facts.damagedPackets = analysis.damagedPackets
        findings += contentFindings(facts, analysis: analysis, activity: activity)
        return (facts, findings)
    }

    static func contentFindings(_ facts: AudioFacts, analysis: AudioAnalysis, activity: SpeechActivity) -> [Finding] {
        var findings = [durationFinding(facts), sampleRateFinding(facts), channelFinding(facts), fileSizeFinding(facts),
                        damageFinding(facts)].compactMap { $0 }
        if activity.isSilent {
            findings.append(Finding(.block, "audio.silent",
                                    "\(facts.path) is silent (its loudest moments reach \(Format.decibels(activity.reference, unit: "dBFS"))): "
                                    + "there is no speech to lip-sync. Check the recording or the export.",
                                    values: ["reference_dbfs": .of(activity.reference)]))
            return findings
        }
        findings += silenceFindings(facts, activity: activity)
        findings += [clippingFinding(facts, analysis: analysis), loudnessFinding(facts)].compactMap { $0 }
        return findings
    }

    static func formatFinding(_ facts: AudioFacts, stream: StreamInfo) -> Finding {
        let name = containerName(facts.format)
        let values: [String: FactValue] = ["format": .text(facts.format), "codec": .text(stream.codec)]
        let accepted = (facts.format == "wav" && stream.codec.hasPrefix("pcm_")) || (facts.format == "mp3" && stream.codec == "mp3")
        if accepted {
            return Finding(.ok, "audio.format", "\(facts.path): \(name) (\(stream.codec)), a format the service takes", values: values)
        }
        return Finding(.warn, "audio.format_converted",
                       "\(facts.path) is \(name) with \(stream.codec) audio; the service takes only WAV (PCM) or MP3. "
                       + "Convert it first (avatarpipe's prepare stage writes a WAV).", values: values)
    }

    static func extensionFinding(_ facts: AudioFacts) -> Finding? {
        let expected: [String: [String]] = ["wav": ["wav", "wave"], "mp3": ["mp3"], "flac": ["flac"], "ogg": ["ogg", "oga", "opus"]]
        guard let names = expected[facts.format], !names.contains(facts.fileExtension) else { return nil }
        return Finding(.warn, "audio.extension_mismatch",
                       "\(facts.path) holds \(containerName(facts.format)) data but is named .\(facts.fileExtension); the service "
                       + "refuses URLs whose extension does not match the content. Rename it to .\(names[0]) if you host it yourself.",
                       values: ["extension": .text(facts.fileExtension), "content": .text(facts.format)])
    }

    static func truncationFinding(_ path: String) -> Finding? {
        guard let header = try? WaveHeader.read(path), header.isTruncated else { return nil }
        let declared = header.declaredDuration.map(Format.seconds) ?? "\(header.declaredDataBytes) bytes"
        let present = header.availableDuration.map(Format.seconds) ?? "\(header.availableDataBytes) bytes"
        return Finding(.block, "audio.truncated",
                       "\(path) is truncated: its header declares \(declared) of audio but the file holds \(present). "
                       + "Copy or export it again.",
                       values: ["declared_bytes": .of(header.declaredDataBytes), "available_bytes": .of(header.availableDataBytes)])
    }

    static func durationFinding(_ facts: AudioFacts) -> Finding? {
        guard let duration = facts.duration else { return nil }
        let values: [String: FactValue] = ["duration": .of(duration)]
        if duration > ServiceLimits.audioMaxSeconds {
            return Finding(.block, "audio.too_long",
                           "\(facts.path) lasts \(Format.seconds(duration)); the service takes at most 10 min (600 s). "
                           + "Split it into parts and render each.", values: values)
        }
        if duration < blockBelowSeconds {
            return Finding(.block, "audio.too_short",
                           "\(facts.path) lasts \(Format.seconds(duration)); under \(Format.seconds(blockBelowSeconds)) there is "
                           + "nothing to lip-sync and a render would waste its full price.", values: values)
        }
        if duration < warnBelowSeconds {
            return Finding(.warn, "audio.very_short",
                           "\(facts.path) lasts only \(Format.seconds(duration)); a render costs the same for 2 s as for 3 min.",
                           values: values)
        }
        return Finding(.ok, "audio.duration", "\(Format.seconds(duration)) of audio, within the service's 10 min", values: values)
    }

    static func sampleRateFinding(_ facts: AudioFacts) -> Finding? {
        guard let rate = facts.sampleRate else { return nil }
        guard rate < 16000 else { return nil }
        return Finding(.warn, "audio.low_sample_rate",
                       "\(facts.path) is sampled at \(rate) Hz (telephone quality); the voice will sound muffled and "
                       + "lip-sync may suffer. Use a 44.1 or 48 kHz recording if you have one.",
                       values: ["sample_rate": .of(rate)])
    }

    static func channelFinding(_ facts: AudioFacts) -> Finding? {
        guard let channels = facts.channels, channels > 2 else { return nil }
        return Finding(.warn, "audio.many_channels",
                       "\(facts.path) has \(channels) channels (\(facts.channelLayout ?? "multichannel")); the service expects "
                       + "mono or stereo. Downmix it first (avatarpipe's prepare stage does this).",
                       values: ["channels": .of(channels)])
    }

    static func fileSizeFinding(_ facts: AudioFacts) -> Finding? {
        guard facts.bytes > ServiceLimits.maxFileBytes else { return nil }
        return Finding(.warn, "audio.file_too_large",
                       "\(facts.path) is \(Format.bytes(facts.bytes)); the service takes at most 50 MB. Convert it to MP3 "
                       + "or mono 16-bit WAV.", values: ["bytes": .of(facts.bytes)])
    }

    static func damageFinding(_ facts: AudioFacts) -> Finding? {
        guard let damaged = facts.damagedPackets, damaged > 0 else { return nil }
        return Finding(.warn, "audio.damaged",
                       "\(facts.path) has \(damaged) damaged packet(s) that could not be decoded; expect clicks or gaps. "
                       + "Export it again from the original.", values: ["damaged_packets": .of(damaged)])
    }

    static func silenceFindings(_ facts: AudioFacts, activity: SpeechActivity) -> [Finding] {
        var findings: [Finding] = []
        for (edge, seconds) in [("leading", activity.leadingSilence), ("trailing", activity.trailingSilence)]
        where seconds > silenceWarnSeconds {
            findings.append(Finding(.warn, "audio.\(edge)_silence",
                                    "\(facts.path) has \(Format.seconds(seconds)) of \(edge) silence; the avatar will sit still "
                                    + "and you pay for it. Trim it to about half a second.",
                                    values: ["seconds": .of(seconds)]))
        }
        if activity.silenceRatio > 0.5 {
            findings.append(Finding(.warn, "audio.mostly_silence",
                                    "\(Format.percent(activity.silenceRatio)) of \(facts.path) is silence; check that it is the "
                                    + "right recording.", values: ["silence_ratio": .of(activity.silenceRatio)]))
        }
        return findings
    }

    static func clippingFinding(_ facts: AudioFacts, analysis: AudioAnalysis) -> Finding? {
        let share = Double(analysis.clippedSamples) / Double(max(1, analysis.totalSamples))
        guard analysis.clipEvents >= 3, share > 1e-5 else { return nil }
        return Finding(.warn, "audio.clipping",
                       "\(facts.path) is clipped in \(analysis.clipEvents) places (\(analysis.clippedSamples) samples at full scale); "
                       + "it will sound distorted. Record or export it at a lower level.",
                       values: ["clip_events": .of(analysis.clipEvents), "clipped_samples": .of(analysis.clippedSamples)])
    }

    static func loudnessFinding(_ facts: AudioFacts) -> Finding? {
        guard let lufs = facts.loudnessLufs else { return nil }
        let peak = facts.peakDbfs ?? -100
        let values: [String: FactValue] = ["loudness_lufs": .of(lufs), "peak_dbfs": .of(peak)]
        let measured = "\(Format.decibels(lufs, unit: "LUFS")) integrated, peak \(Format.decibels(peak, unit: "dBFS"))"
        if lufs < quietLUFS {
            return Finding(.warn, "audio.quiet", "\(facts.path) is very quiet (\(measured)); speech this low can lip-sync poorly. "
                           + "Normalise it to about -16 LUFS.", values: values)
        }
        if lufs > loudLUFS {
            return Finding(.warn, "audio.loud", "\(facts.path) is very loud (\(measured)); it is likely compressed or distorted.",
                           values: values)
        }
        return Finding(.ok, "audio.loudness", measured, values: values)
    }

    static func containerName(_ format: String) -> String {
        let names = ["wav": "WAV", "mp3": "MP3", "flac": "FLAC", "ogg": "Ogg", "aac": "AAC (ADTS)", "aiff": "AIFF",
                     "mov,mp4,m4a,3gp,3g2,mj2": "MP4/M4A", "matroska,webm": "Matroska/WebM", "w64": "Wave64"]
        return names[format] ?? format
    }
}
