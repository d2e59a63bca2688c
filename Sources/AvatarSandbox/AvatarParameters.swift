import AvatarPipe
import Foundation

/// A submit's body that passed the card's checks.
struct AvatarParameters: Sendable {
    var imageURL: String
    var videoTitle: String
    /// Wins over `script` when both are given.
    var audioURL: String?
    var script: String?
    var voiceID: String
    var orientation: Orientation
    var fit: Fit
    var motionPrompt: String?
    var enhanceMotionPrompt: Bool
}

/// A body the service would refuse with 400, with a message that names the parameter.
struct ParameterError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

extension AvatarParameters {
    static func parse(_ data: Data) throws(ParameterError) -> (AvatarParameters, JSONValue) {
        let body: JSONValue
        do {
            body = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ParameterError(data.isEmpty ? "the body is empty: send the parameters as a JSON object"
                                              : "the body is not valid JSON")
        }
        guard case .object(let fields) = body else { throw ParameterError("the body must be a JSON object") }
        return (try parse(fields), body)
    }

    static func parse(_ fields: [String: JSONValue]) throws(ParameterError) -> AvatarParameters {
        let imageURL = try url(fields, "image_url", required: true) ?? ""
        guard let videoTitle = try string(fields, "video_title") else {
            throw ParameterError("video_title is required")
        }
        guard !videoTitle.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ParameterError("video_title must not be empty")
        }
        let audioURL = try url(fields, "audio_url", required: false)
        let script = try string(fields, "script")
        if let script, script.count > ServiceLimits.scriptMaxCharacters {
            throw ParameterError("script is \(script.count) characters long; the limit is \(ServiceLimits.scriptMaxCharacters)")
        }
        if audioURL == nil {
            guard let script else { throw ParameterError("give audio_url or script: the avatar needs speech") }
            guard !script.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ParameterError("script must not be empty when no audio_url is given")
            }
        }
        let voiceID = try string(fields, "voice_id") ?? VoiceCatalog.defaultID
        guard VoiceCatalog.isVoiceID(voiceID) else {
            throw ParameterError("voice_id must be 32 hexadecimal digits (e.g. \(VoiceCatalog.defaultID)), not \"\(voiceID.prefix(64))\"")
        }
        let orientation = try choice(fields, "video_orientation", default: Orientation.landscape)
        let fit = try choice(fields, "fit", default: Fit.cover)
        let motionPrompt = try string(fields, "custom_motion_prompt")
        var enhance = false
        switch fields["enhance_custom_motion_prompt"] {
        case nil, .null?: break
        case .bool(let value)?: enhance = value
        default: throw ParameterError("enhance_custom_motion_prompt must be a boolean (true or false)")
        }
        return AvatarParameters(imageURL: imageURL, videoTitle: videoTitle, audioURL: audioURL, script: script,
                                voiceID: voiceID.lowercased(), orientation: orientation, fit: fit,
                                motionPrompt: motionPrompt, enhanceMotionPrompt: enhance)
    }

    private static func string(_ fields: [String: JSONValue], _ name: String) throws(ParameterError) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw ParameterError("\(name) must be a string")
        }
    }

    private static func url(_ fields: [String: JSONValue], _ name: String, required: Bool) throws(ParameterError) -> String? {
        guard let value = try string(fields, name) else {
            if required { throw ParameterError("\(name) is required") }
            return nil
        }
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ParameterError("\(name) must be a public http or https URL")
        }
        return value
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ fields: [String: JSONValue], _ name: String,
                                                                   default value: T) throws(ParameterError) -> T
    where T.RawValue == String {
        guard let text = try string(fields, name) else { return value }
        guard let chosen = T(rawValue: text) else {
            let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
            throw ParameterError("\(name) must be \(allowed), not \"\(text.prefix(64))\"")
        }
        return chosen
    }
}
