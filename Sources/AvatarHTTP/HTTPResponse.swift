import Foundation

public enum HTTPVersion: String, Sendable {
    case http1_0 = "HTTP/1.0"
    case http1_1 = "HTTP/1.1"
    case http2 = "HTTP/2"
    case http3 = "HTTP/3"
    case unknown = "HTTP/?"
}

/// An answer from the server, whatever its status: a 4xx or 5xx is an answer too, and the
/// caller decides what it means.
public struct HTTPResponse: Sendable, CustomStringConvertible {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    public var httpVersion: HTTPVersion
    /// The URL that answered, after any redirects.
    public var url: String
    /// Every earlier attempt that was given up and tried again, and why.
    public var retries: [RetryRecord]

    public init(status: Int, headers: HTTPHeaders = [:], body: Data = Data(), httpVersion: HTTPVersion = .http1_1,
                url: String, retries: [RetryRecord] = []) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
        self.url = url
        self.retries = retries
    }

    public var attempts: Int { retries.count + 1 }
    public var isSuccess: Bool { (200..<300).contains(status) }

    public var description: String {
        "\(httpVersion.rawValue) \(status) from \(Redactor().url(url)) (\(body.count) bytes)"
    }
}
