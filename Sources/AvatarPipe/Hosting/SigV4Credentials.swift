import Foundation

/// An AWS access key: what SigV4 signs with. Its description never shows the secret or
/// the session token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Present with temporary credentials (STS, SSO, an instance role); sent with every
    /// request and in every presigned URL, which then stops working when it expires.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public static let accessKeyVariable = "AWS_ACCESS_KEY_ID"
    public static let secretKeyVariable = "AWS_SECRET_ACCESS_KEY"
    public static let sessionTokenVariable = "AWS_SESSION_TOKEN"

    /// The credentials in the usual AWS environment variables. An empty value counts as
    /// missing: `export AWS_SECRET_ACCESS_KEY=` is a mistake, not a key.
    public static func fromEnvironment(_ environment: [String: String]) throws -> AWSCredentials {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else { return nil }
            return text
        }
        guard let accessKeyID = value(accessKeyVariable) else {
            throw S3ConfigurationError.missingVariable(accessKeyVariable)
        }
        guard let secretAccessKey = value(secretKeyVariable) else {
            throw S3ConfigurationError.missingVariable(secretKeyVariable)
        }
        return AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
                              sessionToken: value(sessionTokenVariable))
    }

    /// Every value that must never appear in a log or an error.
    var secrets: [String] {
        [secretAccessKey] + (sessionToken.map { [$0] } ?? [])
    }

    /// The key's last four characters, enough to tell keys apart in a message. (AWS does
    /// not count the key ID as a secret, but presigned URLs carry it and logs hide it there.)
    public var accessKeyHint: String {
        accessKeyID.count > 8 ? "ending in \(accessKeyID.suffix(4))" : "of \(accessKeyID.count) characters"
    }

    public var description: String {
        "access key \(accessKeyHint)" + (sessionToken == nil ? "" : " with a session token")
    }
}
