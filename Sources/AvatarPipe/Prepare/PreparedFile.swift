/// One prepared input in the job directory's `input/`, exactly as it will be uploaded.
public struct PreparedFile: Codable, Sendable, Equatable {
    /// `photo` or `audio`.
    public var role: String
    public var source: String
    public var path: String
    public var sha256: String
    public var bytes: Int64
    /// True when an earlier run made the same file from the same input and options.
    public var reused: Bool
    /// What was done and why, in plain words; empty when the original is used as it is.
    public var changes: [String]
    /// What was asked but not done, and why (a reframe that would go under 512 px).
    public var notes: [String] = []
}

/// Options that change what preparation produces; their description is part of the file's
/// name, so different options never reuse each other's files.
protocol Fingerprinted {
    var fingerprint: String { get }
}

enum PreparedName {
    /// `input/<role>-<16 hex digits>.<ext>`: the digits hash the source's content and the options.
    static func path(in directory: String, role: String, sourceHash: String, options: Fingerprinted, ext: String) -> String {
        let key = FileHash.sha256("prepare-v1|\(role)|\(sourceHash)|\(options.fingerprint)")
        return "\(directory)/\(role)-\(key.prefix(16)).\(ext)"
    }
}
