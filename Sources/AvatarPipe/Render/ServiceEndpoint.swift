import AvatarHTTP
import Foundation

/// Where the API and the storage are, and the key for both. The key comes from
/// SEGMIND_API_KEY or a key file; base URLs from options or AVATARPIPE_API_BASE /
/// AVATARPIPE_STORAGE_BASE. When only the API base is overridden, storage uses the same base
/// (the sandbox serves both).
public struct ServiceEndpoint: Sendable {
    public static let defaultAPIBase = "https://api.segmind.com"
    public static let defaultStorageBase = "https://workflows-api.segmind.com"
    public static let model = "heygen-avatar-iv"

    /// The ledger's name for the sandbox that runs inside this process (`run --sandbox`): its
    /// renders are free and vanish with the process, and its ports change from run to run.
    public static let builtInSandbox = "sandbox:built-in"

    public var apiBase: String
    public var storageBase: String
    public var apiKey: String
    /// The in-process sandbox of `--sandbox`.
    public var isBuiltInSandbox = false

    public init(apiBase: String, storageBase: String, apiKey: String) {
        self.apiBase = ServiceEndpoint.trimmed(apiBase)
        self.storageBase = ServiceEndpoint.trimmed(storageBase)
        self.apiKey = apiKey
    }

    /// What renders are keyed by in the ledger, beside their inputs: the API base's origin.
    /// A sandbox, a fake and the real service never share a render.
    public var ledgerOrigin: String {
        isBuiltInSandbox ? ServiceEndpoint.builtInSandbox : (URLOrigin(apiBase)?.description ?? apiBase)
    }

    /// The only origins that ever get the key: the API base's and the storage base's.
    public func mayCarryKey(_ url: String) -> Bool {
        guard let origin = URLOrigin(url), origin.isSecureEnoughForSecrets else { return false }
        return origin == URLOrigin(apiBase) || origin == URLOrigin(storageBase)
    }

    /// Both bases must be http(s) URLs, and https unless on loopback: the key travels to them.
    public func validate() throws {
        for (name, base) in [("API base", apiBase), ("storage base", storageBase)] {
            guard let origin = URLOrigin(base) else {
                throw Missing(description: "the \(name) \(base) is not an http(s) URL")
            }
            guard origin.isSecureEnoughForSecrets else {
                throw Missing(description: "the \(name) \(base) is plain http to another machine: the API key is sent only "
                              + "over https (or http on loopback, for a sandbox)")
            }
        }
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// Resolves the endpoint from options first, then the environment, then the defaults.
    public static func resolve(apiBase: String?, storageBase: String?, keyFile: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceEndpoint {
        let api = apiBase ?? environment["AVATARPIPE_API_BASE"].flatMap { $0.isEmpty ? nil : $0 }
        let storage = storageBase ?? environment["AVATARPIPE_STORAGE_BASE"].flatMap { $0.isEmpty ? nil : $0 }
        let key = try resolveKey(keyFile: keyFile, environment: environment)
        let endpoint = ServiceEndpoint(apiBase: api ?? defaultAPIBase, storageBase: storage ?? api ?? defaultStorageBase, apiKey: key)
        try endpoint.validate()
        return endpoint
    }

    static func resolveKey(keyFile: String?, environment: [String: String]) throws -> String {
        if let keyFile { return try readKey(keyFile) }
        if let key = environment["SEGMIND_API_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty { return key }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let configured = (environment["XDG_CONFIG_HOME"] ?? "\(home)/.config") + "/avatarpipe/api-key"
        if FileManager.default.fileExists(atPath: configured) { return try readKey(configured) }
        throw Missing(description: "no API key: set SEGMIND_API_KEY, put the key in \(configured), or give --key-file "
                      + "(for an offline run, use --sandbox)")
    }

    static func readKey(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path),
              let key = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !key.isEmpty else {
            throw Missing(description: "the key file \(path) is missing, unreadable or empty")
        }
        return key
    }

    public var submitURL: String { "\(apiBase)/v2/\(ServiceEndpoint.model)" }
    public var syncURL: String { "\(apiBase)/v1/\(ServiceEndpoint.model)" }
    public var creditsURL: String { "\(apiBase)/v1/get-user-credits" }
    public var uploadURL: String { "\(storageBase)/upload-asset" }

    static func trimmed(_ base: String) -> String {
        base.hasSuffix("/") ? String(base.dropLast()) : base
    }
}
