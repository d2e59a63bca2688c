import Foundation

/// Every parameter of one render, as the API card names them (the image and audio URLs are
/// added at submission).
public struct RenderParameters: Codable, Sendable, Equatable {
    public var videoTitle: String
    public var script: String?
    public var voiceID: String
    public var orientation: Orientation
    public var fit: Fit
    public var customMotionPrompt: String?
    public var enhanceCustomMotionPrompt: Bool

    // Key names as a camel-cased snake_case key reads back (voice_id ↔ voiceId), since
    // job files are written with convertToSnakeCase and read with convertFromSnakeCase.
    enum CodingKeys: String, CodingKey {
        case videoTitle, script, voiceID = "voiceId", orientation, fit, customMotionPrompt, enhanceCustomMotionPrompt
    }

    public init(videoTitle: String, script: String? = nil, voiceID: String = VoiceCatalog.defaultID,
                orientation: Orientation = .landscape, fit: Fit = .cover,
                customMotionPrompt: String? = nil, enhanceCustomMotionPrompt: Bool = false) {
        self.videoTitle = videoTitle
        self.script = script
        self.voiceID = voiceID
        self.orientation = orientation
        self.fit = fit
        self.customMotionPrompt = customMotionPrompt
        self.enhanceCustomMotionPrompt = enhanceCustomMotionPrompt
    }

    /// The JSON body of a submit. With an audio URL the script is not sent: the audio is
    /// the speech (the script is kept for captions).
    public func body(imageURL: String, audioURL: String?) throws -> Data {
        var object: [String: Any] = [
            "image_url": imageURL,
            "video_title": videoTitle,
            "voice_id": voiceID,
            "video_orientation": orientation.rawValue,
            "fit": fit.rawValue,
            "enhance_custom_motion_prompt": enhanceCustomMotionPrompt,
        ]
        if let audioURL { object["audio_url"] = audioURL } else if let script { object["script"] = script }
        if let customMotionPrompt { object["custom_motion_prompt"] = customMotionPrompt }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// What identifies the video this produces: everything but the title (a new title makes
    /// the same video) and, when audio drives the speech, the voice and script.
    public func renderKeyParts(audioDriven: Bool) -> [String] {
        var parts = [orientation.rawValue, fit.rawValue, customMotionPrompt ?? "", String(enhanceCustomMotionPrompt)]
        if !audioDriven { parts += [voiceID, script ?? ""] }
        return parts
    }
}
