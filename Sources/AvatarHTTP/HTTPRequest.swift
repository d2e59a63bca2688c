import Foundation

public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    public static let get: HTTPMethod = "GET"
    public static let head: HTTPMethod = "HEAD"
    public static let post: HTTPMethod = "POST"
    public static let put: HTTPMethod = "PUT"
    public static let patch: HTTPMethod = "PATCH"
    public static let delete: HTTPMethod = "DELETE"

    /// Sending it twice has the effect of sending it once (RFC 9110, 9.2.2).
    public var isIdempotent: Bool {
        ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"].contains(rawValue)
    }

    public var description: String { rawValue }
}

/// How long a transfer may take. libcurl counts the low-speed window in whole seconds.
public struct HTTPTimeouts: Sendable, Equatable {
    /// Resolving and connecting, TLS handshake included.
    public var connect: Duration
    /// A transfer slower than `lowSpeedLimit` bytes per second for `lowSpeedTime` is
    /// abandoned; this also catches a server that never answers.
    public var lowSpeedLimit: Int
    public var lowSpeedTime: Duration
    /// The whole transfer, if it must end by a deadline; `nil` lets a slow but moving
    /// download run to its end.
    public var total: Duration?

    public init(connect: Duration = .seconds(15), lowSpeedLimit: Int = 1,
                lowSpeedTime: Duration = .seconds(60), total: Duration? = nil) {
        self.connect = connect
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.total = total
    }
}

public struct HTTPRequest: Sendable, CustomStringConvertible {
    public enum Body: Sendable {
        case none
        case data(Data)
        /// Streamed from disk, never read whole into memory. Without a length, the file's
        /// size when the transfer starts.
        case file(path: String, length: Int64? = nil)
    }

    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: Body
    public var timeouts: HTTPTimeouts
    /// The most `send` keeps in memory; a longer body fails with `.bodyTooLarge`.
    /// `download` writes to disk and does not use it.
    public var maxResponseBytes: Int64
    /// GET and HEAD follow up to five redirects unless told not to; other methods never
    /// do. A request that carries a credential header is never followed, so the key cannot
    /// be sent on to another host: its 3xx comes back as the answer.
    public var followsRedirects: Bool
    /// When false the request goes out on a new connection. libcurl silently re-sends a
    /// request whose reused connection turns out dead before any answer, and for a
    /// request that is not idempotent that could do the work twice.
    public var reusesConnection: Bool
    /// What else in this request is secret, beyond the `Redactor`'s defaults.
    public var redaction: RedactionHints

    public init(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: Body = .none,
                timeouts: HTTPTimeouts = HTTPTimeouts(), redaction: RedactionHints = RedactionHints()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.maxResponseBytes = 32 << 20
        self.followsRedirects = method == .get || method == .head
        self.reusesConnection = method.isIdempotent
        self.redaction = redaction
    }

    /// The method and URL with secrets replaced, for logs.
    public var description: String {
        "\(method) \(Redactor().adding(redaction).url(url))"
    }
}
