import Foundation

/// Where S3 requests go: AWS's regional endpoint, or a given one (moto, MinIO, R2, …),
/// and how a bucket is addressed there.
public struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Addressing: String, Sendable, Equatable {
        /// `https://bucket.s3.region.amazonaws.com/key`: what AWS prefers.
        case virtualHosted = "virtual"
        /// `https://endpoint/bucket/key`: what S3-compatible stores on one host name need.
        case path
    }

    public var scheme: String
    /// As the Host header carries it: lower case, a port only when not the scheme's default.
    public var host: String
    /// A path the endpoint's own URL has (`https://example.com/s3`), without a trailing slash.
    public var basePath: String
    /// True for AWS's own endpoints, chosen by region.
    public var isAWS: Bool

    /// AWS's endpoint for the region.
    public static func aws(region: String) -> S3Endpoint {
        S3Endpoint(scheme: "https", host: "s3.\(region).amazonaws.com", basePath: "", isAWS: true)
    }

    /// An endpoint given as a URL: `http://127.0.0.1:9000`, `https://minio.example.com/s3`.
    public init(parsing text: String) throws {
        func invalid(_ reason: String) -> S3ConfigurationError {
            .invalidEndpoint(text, reason)
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let separator = trimmed.range(of: "://") else {
            throw invalid("it must be an http:// or https:// URL, as in http://127.0.0.1:9000")
        }
        let scheme = trimmed[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw invalid("only http:// and https:// endpoints are supported")
        }
        let rest = trimmed[separator.upperBound...]
        if rest.contains("?") || rest.contains("#") { throw invalid("an endpoint has no query or fragment") }
        let authority = rest.prefix { $0 != "/" }
        if authority.contains("@") { throw invalid("credentials go in the AWS_* variables, not in the endpoint") }
        guard !authority.isEmpty, authority.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw invalid("the host name is missing or not plain ASCII")
        }

        // Split off a port, minding IPv6 literals ("[::1]:9000").
        var hostName = Substring(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw invalid("the port is not a number from 1 to 65535")
            }
            hostName = authority[..<colon]
            port = number
        }
        if hostName.isEmpty { throw invalid("the host name is missing") }
        let defaultPort = scheme == "https" ? 443 : 80
        let host = hostName.lowercased() + (port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")

        var basePath = String(rest.dropFirst(authority.count))
        while basePath.hasSuffix("/") { basePath.removeLast() }
        if basePath.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) {
            throw invalid("the path cannot have . or .. segments")
        }
        self.init(scheme: scheme, host: host, basePath: basePath, isAWS: false)
    }

    init(scheme: String, host: String, basePath: String, isAWS: Bool) {
        self.scheme = scheme
        self.host = host
        self.basePath = basePath
        self.isAWS = isAWS
    }

    /// Virtual-hosted on AWS, unless the bucket's name cannot be a host name there; path
    /// style on any other endpoint.
    func defaultAddressing(for location: S3Location) -> Addressing {
        isAWS && location.isVirtualHostable ? .virtualHosted : .path
    }

    /// The request for an object (`key` given) or for the bucket itself.
    func request(_ method: String, location: S3Location, key: String?, addressing: Addressing,
                 headers: [SigV4Request.Header] = []) -> SigV4Request {
        let encodedKey = key.map { "/" + SigV4Encoding.encode($0, keepingSlashes: true) }
        switch addressing {
        case .virtualHosted:
            return SigV4Request(method: method, scheme: scheme, host: "\(location.bucket).\(host)",
                                path: basePath + (encodedKey ?? "/"), headers: headers)
        case .path:
            return SigV4Request(method: method, scheme: scheme, host: host,
                                path: "\(basePath)/\(location.bucket)" + (encodedKey ?? ""), headers: headers)
        }
    }

    public var description: String {
        "\(scheme)://\(host)\(basePath)"
    }
}
