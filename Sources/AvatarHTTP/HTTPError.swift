/// A request that did not get the answer it asked for. Everything in it has been through
/// the request's `Redactor`: it can be logged as it is.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// The name did not resolve, the connection or the TLS handshake did not complete,
        /// or it broke before a byte of the request went out. Nothing was sent: safe to
        /// retry, even a request that starts paid work.
        case cannotConnect
        /// The request was (at least partly) sent, then the answer took too long.
        case timedOut
        /// The request was (at least partly) sent, then the connection was closed or reset
        /// before the whole answer arrived.
        case connectionLost
        /// The TLS handshake or the server's certificate failed.
        case tls
        /// The caller cancelled the task.
        case cancelled
        /// The answer's body is larger than the request allows.
        case bodyTooLarge
        /// Reading the upload or writing the download failed on the local disk.
        case file
        /// The request could not be made as given (bad URL, header with a line break…).
        case invalidRequest
        /// The answer broke the protocol or does not fit the request (a 206 for the
        /// wrong range, too many redirects).
        case invalidResponse
        /// The server answered with this status, and that answer does not give what was
        /// asked (a download that got a 404; a paid submit that got a 500).
        case status(Int)
        case other

        public var description: String {
            switch self {
            case .cannotConnect: "could not connect"
            case .timedOut: "timed out"
            case .connectionLost: "connection lost"
            case .tls: "TLS failure"
            case .cancelled: "cancelled"
            case .bodyTooLarge: "body too large"
            case .file: "local file error"
            case .invalidRequest: "invalid request"
            case .invalidResponse: "invalid response"
            case .status(let status): "status \(status)"
            case .other: "transfer failed"
            }
        }
    }

    public var kind: Kind
    public var method: String
    /// The request's URL, redacted.
    public var url: String
    /// Some of the request was written to the connection.
    public var requestSent: Bool
    /// libcurl's result code, when libcurl reported the failure.
    public var curlCode: Int?
    /// libcurl's message for the failure (its error buffer), redacted.
    public var curlMessage: String?
    /// What this module adds: which file, which range, which limit. Redacted.
    public var detail: String?
    /// The server's answer, for `.status` (its body may explain, e.g. `{"error": …}`).
    public var response: HTTPResponse?
    /// The attempts given up and retried before this one failed.
    public var retries: [RetryRecord]

    public init(kind: Kind, method: String, url: String, requestSent: Bool, curlCode: Int? = nil,
                curlMessage: String? = nil, detail: String? = nil, response: HTTPResponse? = nil,
                retries: [RetryRecord] = []) {
        self.kind = kind
        self.method = method
        self.url = url
        self.requestSent = requestSent
        self.curlCode = curlCode
        self.curlMessage = curlMessage
        self.detail = detail
        self.response = response
        self.retries = retries
    }

    public var attempts: Int { retries.count + 1 }

    /// The server may have received the request and acted on it: for a request that
    /// starts paid work, the work may exist. Sending it again could pay twice.
    public var mayHaveBeenAccepted: Bool {
        switch kind {
        case .cannotConnect, .invalidRequest, .tls:
            return false
        case .status(let status):
            return HTTPError.statusLeavesOutcomeOpen(status)
        default:
            return requestSent
        }
    }

    /// A 5xx that does not say the request was refused: 500, 502, 504 and the like leave
    /// open whether the server did the work; 501 and 503 say it did not.
    public static func statusLeavesOutcomeOpen(_ status: Int) -> Bool {
        (500..<600).contains(status) && status != 501 && status != 503
    }

    public var description: String {
        var text = "\(method) \(url): "
        switch kind {
        case .cannotConnect: text += "could not connect; nothing was sent"
        case .timedOut: text += "timed out after the request was sent"
        case .connectionLost: text += "the connection was lost after the request was sent"
        case .tls: text += "TLS failure"
        case .cancelled: text += "cancelled"
        case .bodyTooLarge: text += "the answer is too large"
        case .file: text += "local file error"
        case .invalidRequest: text += "invalid request"
        case .invalidResponse: text += "invalid answer"
        case .status(let status): text += "the server answered \(status)"
        case .other: text += "transfer failed"
        }
        if let detail, !detail.isEmpty { text += ": \(detail)" }
        if let curlCode {
            text += " (curl \(curlCode)"
            if let curlMessage, !curlMessage.isEmpty { text += ": \(curlMessage)" }
            text += ")"
        }
        if mayHaveBeenAccepted { text += "; the server may have acted on it" }
        if !retries.isEmpty { text += "; after \(attempts) attempts" }
        return text
    }
}

/// A failure found inside a libcurl callback, kept until the transfer ends.
struct TransferFailure: Error {
    var kind: HTTPError.Kind
    var detail: String
}
