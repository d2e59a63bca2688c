import Foundation

/// The script, as given with `--script TEXT` or `--script @file`.
public struct ScriptInput: Sendable, Equatable {
    public var text: String
    /// The file it came from, when it came from one.
    public var sourcePath: String?

    public init(text: String, sourcePath: String? = nil) {
        self.text = text
        self.sourcePath = sourcePath
    }
}

public struct ScriptFacts: Codable, Sendable, Equatable {
    public var characters: Int
    public var words: Int
    /// Seconds the script takes to say at a typical text-to-speech rate.
    public var estimatedDuration: Double
    public var source: String?
    /// True when audio is given too: the audio drives the video, the script is for captions.
    public var usedForCaptionsOnly: Bool
}

public struct VoiceFacts: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var used: Bool
}

/// Checks what the avatar will say: audio or a script (the service needs one), the script's
/// length, and the voice for the service's text-to-speech.
public enum SpeechCheck {
    /// About 150 words a minute, the pace of the service's voices.
    public static let wordsPerSecond = 2.5

    public static func run(script: ScriptInput?, hasAudio: Bool, voice: String?) -> (ScriptFacts?, VoiceFacts?, [Finding]) {
        var findings: [Finding] = []
        var scriptFacts: ScriptFacts?
        if let script {
            let (facts, finding) = checkScript(script, hasAudio: hasAudio)
            scriptFacts = facts
            findings.append(finding)
        } else if !hasAudio {
            findings.append(Finding(.warn, "speech.missing",
                                    "neither --audio nor --script is given: a render needs one of them to know what the avatar says"))
        }
        let (voiceFacts, voiceFinding) = checkVoice(voice, used: !hasAudio && script != nil)
        if let voiceFinding { findings.append(voiceFinding) }
        return (scriptFacts, voiceFacts, findings)
    }

    static func checkScript(_ script: ScriptInput, hasAudio: Bool) -> (ScriptFacts, Finding) {
        let trimmed = script.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let characters = script.text.unicodeScalars.count
        let words = trimmed.split { $0.isWhitespace }.count
        let facts = ScriptFacts(characters: characters, words: words, estimatedDuration: Double(words) / wordsPerSecond,
                                source: script.sourcePath, usedForCaptionsOnly: hasAudio)
        let origin = script.sourcePath.map { "the script in \($0)" } ?? "the script"
        let values: [String: FactValue] = ["characters": .of(characters), "words": .of(words)]
        if trimmed.isEmpty {
            return (facts, Finding(.block, "script.empty", "\(origin) is empty: give the words the avatar should say", values: values))
        }
        if characters > ServiceLimits.scriptMaxCharacters {
            return (facts, Finding(.block, "script.too_long",
                                   "\(origin) has \(characters) characters; the service takes at most \(ServiceLimits.scriptMaxCharacters). "
                                   + "Split it and render the parts separately.", values: values))
        }
        let role = hasAudio ? "used for captions; the audio drives the video" : "spoken by the service's text-to-speech"
        return (facts, Finding(.ok, "script.length",
                               "\(origin): \(characters) characters, \(words) words, about \(Format.seconds(facts.estimatedDuration)) spoken; \(role)",
                               values: values))
    }

    static func checkVoice(_ voice: String?, used: Bool) -> (VoiceFacts?, Finding?) {
        guard let voice else {
            guard used else { return (nil, nil) }
            return (VoiceFacts(id: VoiceCatalog.defaultID, name: "Default", used: true), nil)
        }
        switch VoiceCatalog.resolve(voice) {
        case .known(let known):
            let note = used ? "speaks the script" : "is not used: the audio file is the voice"
            return (VoiceFacts(id: known.id, name: known.name, used: used),
                    Finding(.ok, "voice.known", "voice \(known.name) (\(known.id)) \(note)", values: ["id": .text(known.id)]))
        case .unknownID(let id):
            return (VoiceFacts(id: id, name: nil, used: used),
                    Finding(.warn, "voice.unknown_id",
                            "voice id \(id) is not among the voices the API card names (`avatarpipe voices`); "
                            + "the service will refuse it if it does not exist", values: ["id": .text(id)]))
        case .unknown(let name, let suggestions):
            return (nil, Finding(.block, "voice.unknown",
                                 "no voice is called \"\(name)\"; known voices: \(suggestions.joined(separator: ", ")). "
                                 + "Give a name from `avatarpipe voices` or a 32-hex-digit voice id.",
                                 values: ["voice": .text(name)]))
        }
    }
}
