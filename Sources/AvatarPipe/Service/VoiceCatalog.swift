import Foundation

/// The voices the API card lists by name. The card lists 61 voices but shows only these
/// ten; any other 32-hex-digit id is passed through with a warning.
public struct Voice: Codable, Sendable, Equatable {
    public var name: String
    public var id: String
    /// `female`, `male` or nil when the card does not say (used to pick a local preview voice).
    public var gender: String?
}

public enum VoiceCatalog {
    public static let defaultID = "f80e430f06b34b70b275c9c746436e37"

    public static let voices: [Voice] = [
        Voice(name: "Default", id: defaultID, gender: nil),
        Voice(name: "Onyx", id: "26b2064088674c80b1e5fc5ab1a068ea", gender: "male"),
        Voice(name: "Coral", id: "6d5ef2eb0cb94193b90dd3cb397ae898", gender: "female"),
        Voice(name: "Nova", id: "71b0aa6499f6458e8b040818a017db1f", gender: "female"),
        Voice(name: "Shimmer", id: "8273e0a033074b5bb98d7ce3ab727bd9", gender: "female"),
        Voice(name: "Lukas in car", id: "8f0944e10aad4e989bce8f76807b6f36", gender: "male"),
        Voice(name: "Lea in car", id: "8f389c2237194f80b50fe7632dcc17b8", gender: "female"),
        Voice(name: "Lea inside", id: "9af7667dcc3145b790a5fb1ac226dfe3", gender: "female"),
        Voice(name: "DARAN INSIDE 2 with mic", id: "5a3cff20eddd491ca1196ffd1a868fdb", gender: "male"),
        Voice(name: "Daran outside sitting", id: "9ff7fd2dd9114c3bae005e62aa485e52", gender: "male"),
        Voice(name: "Gail inside standing", id: "acebd7b6419a44a388b9d1620614b29f", gender: "female"),
    ]

    public enum Resolution: Equatable, Sendable {
        case known(Voice)
        /// A well-formed id the card does not name.
        case unknownID(String)
        /// Neither a known name nor an id; with the names that come closest.
        case unknown(String, suggestions: [String])
    }

    public static func isVoiceID(_ text: String) -> Bool {
        text.count == 32 && text.allSatisfy { $0.isHexDigit }
    }

    public static func resolve(_ nameOrID: String) -> Resolution {
        let wanted = nameOrID.trimmingCharacters(in: .whitespaces)
        if isVoiceID(wanted) {
            let id = wanted.lowercased()
            return voices.first { $0.id == id }.map(Resolution.known) ?? .unknownID(id)
        }
        let key = wanted.lowercased()
        if let voice = voices.first(where: { $0.name.lowercased() == key }) { return .known(voice) }
        let prefixed = voices.filter { $0.name.lowercased().hasPrefix(key) || $0.name.lowercased().contains(key) }
        if prefixed.count == 1, !key.isEmpty { return .known(prefixed[0]) }
        let suggestions = prefixed.isEmpty ? voices.map(\.name) : prefixed.map(\.name)
        return .unknown(wanted, suggestions: suggestions)
    }
}
