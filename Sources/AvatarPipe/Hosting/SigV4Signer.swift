import Crypto
import Foundation

/// What Signature Version 4 signs of a request: method, where it goes, and the headers the
/// caller sets. The signer adds its own (`X-Amz-Date`, …) around these.
public struct SigV4Request: Sendable {
    public struct QueryItem: Sendable, Equatable {
        /// Not percent-encoded; the signer encodes.
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: String
    /// `https` or `http`.
    public var scheme: String
    /// As the Host header carries it: lower case, with a port only when it is not the
    /// scheme's default.
    public var host: String
    /// The path as sent, already percent-encoded (`SigV4Encoding.encode(_:keepingSlashes:)`).
    /// S3 signs it as it is, without the second encoding other AWS services ask for, and
    /// without normalizing `.` or `//`.
    public var path: String
    public var query: [QueryItem]
    /// Headers to send and sign besides Host and those the signer adds (Content-Type…).
    public var headers: [Header]

    public init(method: String, scheme: String, host: String, path: String,
                query: [QueryItem] = [], headers: [Header] = []) {
        self.method = method.uppercased()
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.path = path.isEmpty ? "/" : path
        self.query = query
        self.headers = headers
    }

    /// The URL to send the request to; query items in the given order.
    public var url: String {
        "\(scheme)://\(host)\(path)" + (query.isEmpty ? "" : "?" + SigV4Request.encode(query))
    }

    static func encode(_ items: [QueryItem]) -> String {
        items.map { "\(SigV4Encoding.encode($0.name))=\(SigV4Encoding.encode($0.value))" }.joined(separator: "&")
    }
}

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`): in an `Authorization`
/// header, or in the query string of a presigned URL. The time is always passed in, so
/// that a test can freeze it.
///
/// The steps follow AWS's description: a canonical request (method, path, sorted and
/// encoded query, sorted lower-case headers with trimmed values, the signed header names,
/// the payload's hash), a string to sign (algorithm, time, credential scope, the canonical
/// request's hash), a signing key derived from the secret by HMAC over day, region, service
/// and `aws4_request`, and the HMAC of the string to sign under that key.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash of a request whose body is not hashed (S3 allows it).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of no bytes: the payload hash of a request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The longest a presigned URL may be valid: seven days.
    public static let maxPresignedLifetime = 604_800

    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers that sign `request`, to send along with its own: `X-Amz-Date`,
    /// `X-Amz-Content-SHA256` (`payloadHash`: the body's hex SHA-256, or
    /// `unsignedPayload`), `X-Amz-Security-Token` with a session token, and
    /// `Authorization`. All but Authorization are signed, with Host and the request's headers.
    public func signingHeaders(for request: SigV4Request, payloadHash: String, at date: Date) -> [SigV4Request.Header] {
        let timestamp = SigV4Encoding.timestamp(date)
        var added = [SigV4Request.Header("X-Amz-Date", timestamp),
                     SigV4Request.Header("X-Amz-Content-SHA256", payloadHash)]
        if let token = credentials.sessionToken {
            added.append(SigV4Request.Header("X-Amz-Security-Token", token))
        }
        let canonical = canonicalRequest(request, query: request.query, headers: request.headers + added,
                                         payloadHash: payloadHash)
        let signature = signature(of: stringToSign(canonicalRequest: canonical.text, timestamp: timestamp),
                                  day: String(timestamp.prefix(8)))
        let authorization = "\(SigV4Signer.algorithm) Credential=\(credentials.accessKeyID)/\(credentialScope(timestamp)), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return added + [SigV4Request.Header("Authorization", authorization)]
    }

    /// A URL that lets anyone who holds it send `request` (a GET, typically) for `lifetime`
    /// seconds (1 to `maxPresignedLifetime`) from `date`. Only Host is signed: the fetcher
    /// sends no headers of ours, and the body is not hashed. The authentication parameters
    /// follow the request's own, in the order AWS's SDKs write them.
    public func presignedURL(for request: SigV4Request, lifetime: Int, at date: Date) -> String {
        precondition((1...SigV4Signer.maxPresignedLifetime).contains(lifetime),
                     "a presigned URL lives 1 to \(SigV4Signer.maxPresignedLifetime) seconds")
        let timestamp = SigV4Encoding.timestamp(date)
        var query = request.query
        query.append(.init("X-Amz-Algorithm", SigV4Signer.algorithm))
        query.append(.init("X-Amz-Credential", "\(credentials.accessKeyID)/\(credentialScope(timestamp))"))
        query.append(.init("X-Amz-Date", timestamp))
        query.append(.init("X-Amz-Expires", String(lifetime)))
        query.append(.init("X-Amz-SignedHeaders", "host"))
        if let token = credentials.sessionToken {
            query.append(.init("X-Amz-Security-Token", token))
        }
        var unsigned = request
        unsigned.headers = []
        let canonical = canonicalRequest(unsigned, query: query, headers: [], payloadHash: SigV4Signer.unsignedPayload)
        let signature = signature(of: stringToSign(canonicalRequest: canonical.text, timestamp: timestamp),
                                  day: String(timestamp.prefix(8)))
        query.append(.init("X-Amz-Signature", signature))
        unsigned.query = query
        return unsigned.url
    }

    // MARK: - The steps

    /// The canonical request, and the `SignedHeaders` list it ends with. Host is always signed.
    func canonicalRequest(_ request: SigV4Request, query: [SigV4Request.QueryItem], headers: [SigV4Request.Header],
                          payloadHash: String) -> (text: String, signedHeaders: String) {
        // Sorted by encoded name, then encoded value (all ASCII: byte order).
        let encodedQuery: [(name: String, value: String)] = query.map {
            (SigV4Encoding.encode($0.name), SigV4Encoding.encode($0.value))
        }
        let sortedQuery = encodedQuery.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        let canonicalQuery = sortedQuery.map { "\($0.name)=\($0.value)" }.joined(separator: "&")

        var values: [String: [String]] = ["host": [request.host]]
        for header in headers {
            let name = header.name.lowercased()
            guard name != "host" else { continue }
            // Trimmed, and every run of white space made one space.
            values[name, default: []].append(header.value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        let names = values.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let text = [request.method, request.path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        return (text, signedHeaders)
    }

    func stringToSign(canonicalRequest: String, timestamp: String) -> String {
        let hash = SigV4Encoding.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))
        return [SigV4Signer.algorithm, timestamp, credentialScope(timestamp), hash].joined(separator: "\n")
    }

    /// `day/region/service/aws4_request`, the day being the timestamp's `yyyyMMdd`.
    func credentialScope(_ timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    func signature(of stringToSign: String, day: String) -> String {
        SigV4Encoding.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: day)))
    }
}
