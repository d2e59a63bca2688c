import Foundation

/// A file put at a URL the service can fetch.
public struct HostedFile: Codable, Sendable, Equatable {
    /// What the service is given. May carry a signature: never log it unredacted.
    public var url: String
    /// The host's own name for the object (a storage key), for removal.
    public var key: String
    public var expiresAt: Date?
    public var contentType: String
    public var bytes: Int64
}

/// Puts local files at temporary URLs and takes them down afterwards where it can.
public protocol TempHost: Sendable {
    /// A short name for logs and job.json: `segmind`, `s3://bucket/prefix`, `url`.
    var name: String { get }
    /// Uploads `path` (its content type given, e.g. image/png) and returns where it can be fetched.
    func host(_ path: String, contentType: String) async throws -> HostedFile
    /// Removes a hosted file; hosts that cannot remove files do nothing.
    func remove(_ file: HostedFile) async throws
}
