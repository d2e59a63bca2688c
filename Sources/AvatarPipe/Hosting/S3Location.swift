import Foundation

/// A bucket and a key prefix, written `s3://bucket/prefix` as the AWS CLI writes them.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    /// Without leading or trailing slashes; empty for the bucket's top level.
    public var prefix: String

    public init(bucket: String, prefix: String = "") throws {
        try S3Location.validate(bucket: bucket)
        let prefix = String(prefix.trimmingSlashes)
        try S3Location.validate(prefix: prefix)
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://bucket`, `s3://bucket/`, `s3://bucket/some/prefix/`. The prefix is taken
    /// literally (not percent-decoded), as the AWS CLI does.
    public init(parsing text: String) throws {
        let scheme = "s3://"
        guard text.lowercased().hasPrefix(scheme) else {
            throw S3ConfigurationError.invalidLocation(text, "it must start with s3://, as in s3://my-bucket/avatarpipe")
        }
        let rest = text.dropFirst(scheme.count)
        let bucket = rest.prefix { $0 != "/" }
        do {
            try self.init(bucket: String(bucket), prefix: String(rest.dropFirst(bucket.count)))
        } catch S3ConfigurationError.invalidLocation(_, let reason) {
            throw S3ConfigurationError.invalidLocation(text, reason)
        }
    }

    /// The key of an object called `name` under the prefix.
    public func key(_ name: String) -> String {
        prefix.isEmpty ? name : "\(prefix)/\(name)"
    }

    /// Whether `key` lies under the prefix.
    public func contains(key: String) -> Bool {
        prefix.isEmpty || key.hasPrefix(prefix + "/")
    }

    public var description: String {
        prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
    }

    /// Whether the bucket can be a DNS label of a TLS host name (no dots: a wildcard
    /// certificate covers one label only).
    var isVirtualHostable: Bool {
        !bucket.contains(".")
    }

    // MARK: - Rules

    /// S3's naming rules for buckets made since 2018: 3–63 characters, lower-case letters,
    /// digits, dots and hyphens, a letter or digit at each end, no `..`, not an IP address.
    static func validate(bucket: String) throws {
        func invalid(_ reason: String) -> S3ConfigurationError {
            .invalidLocation(bucket, reason)
        }
        if bucket.isEmpty { throw invalid("the bucket name is missing, as in s3://my-bucket/avatarpipe") }
        guard (3...63).contains(bucket.count) else {
            throw invalid("bucket names are 3 to 63 characters long; \"\(bucket.prefix(70))\" has \(bucket.count)")
        }
        guard bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }) else {
            throw invalid("bucket names hold only lower-case letters, digits, dots and hyphens")
        }
        guard let first = bucket.first, let last = bucket.last,
              first.isLetter || first.isNumber, last.isLetter || last.isNumber
        else { throw invalid("a bucket name starts and ends with a letter or a digit") }
        if bucket.contains("..") { throw invalid("a bucket name has no two dots in a row") }
        let parts = bucket.split(separator: ".")
        if parts.count == 4, parts.allSatisfy({ Int($0) != nil }) {
            throw invalid("a bucket name is not an IP address")
        }
    }

    /// A prefix whose path has `.` or `..` segments would be rewritten on the way (libcurl
    /// resolves them, as browsers do), and the signature would no longer match.
    static func validate(prefix: String) throws {
        if prefix.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            throw S3ConfigurationError.invalidLocation(prefix, "a prefix cannot have . or .. as a path segment")
        }
        if prefix.utf8.count > 900 {
            throw S3ConfigurationError.invalidLocation(prefix, "the prefix is too long for S3's 1024-byte keys")
        }
    }
}

extension String {
    fileprivate var trimmingSlashes: Substring {
        guard let first = firstIndex(where: { $0 != "/" }), let last = lastIndex(where: { $0 != "/" }) else { return "" }
        return self[first...last]
    }
}
