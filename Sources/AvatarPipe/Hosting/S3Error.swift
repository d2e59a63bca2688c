import AvatarHTTP
import Foundation

/// A configuration of S3 hosting that cannot work, found before anything is sent.
public enum S3ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingVariable(String)
    /// The text given, and what is wrong with it.
    case invalidLocation(String, String)
    case invalidEndpoint(String, String)
    case invalidRegion(String)
    case invalidURLLifetime(Duration)

    public var description: String {
        switch self {
        case .missingVariable(let name):
            return "\(name) is not set: hosting on S3 needs an access key in \(AWSCredentials.accessKeyVariable) and "
                + "\(AWSCredentials.secretKeyVariable) (and \(AWSCredentials.sessionTokenVariable) with temporary credentials)"
        case .invalidLocation(let text, let reason):
            return "\(text) is not a usable S3 location: \(reason)"
        case .invalidEndpoint(let text, let reason):
            // An endpoint with user:password@ is refused; its password is not repeated.
            return "S3 endpoint \(Redactor().url(text)): \(reason)"
        case .invalidRegion(let region):
            return "\"\(region.prefix(70))\" is not an AWS region name (such as us-east-1 or eu-west-1)"
        case .invalidURLLifetime(let lifetime):
            return "URLs can be presigned for whole seconds from 1 second to 7 days, not \(lifetime)"
        }
    }
}

/// S3 did not do what was asked, or could not be reached. The description says what
/// failed, S3's own code and message, and what to do about it; it never carries a
/// credential, a signature or a presigned query.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    public enum Operation: Sendable, Equatable {
        case upload
        /// The fetch through a fresh presigned URL that follows an upload.
        case check
        case remove
        case createBucket
    }

    public var operation: Operation
    /// `s3://bucket/key`, or `s3://bucket` for a bucket operation.
    public var object: String
    /// The local file, for an upload.
    public var file: String?
    /// The HTTP status of S3's answer; nil when there was none.
    public var status: Int?
    /// S3's error code (`NoSuchBucket`, `AccessDenied`…), when the answer had one.
    public var code: String?
    /// S3's message, checked for secrets.
    public var message: String?
    public var requestID: String?
    /// What a user can do about it.
    public var advice: String?
    /// The failure of a request that got no answer (connection, timeout…), already redacted.
    public var transport: HTTPError?

    public init(operation: Operation, object: String, file: String? = nil, status: Int? = nil, code: String? = nil,
                message: String? = nil, requestID: String? = nil, advice: String? = nil, transport: HTTPError? = nil) {
        self.operation = operation
        self.object = object
        self.file = file
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.advice = advice
        self.transport = transport
    }

    public var description: String {
        var text: String
        switch operation {
        case .upload: text = "cannot upload \(file ?? "the file") to \(object)"
        case .check: text = "the presigned URL of \(object) does not work"
        case .remove: text = "cannot remove \(object)"
        case .createBucket: text = "cannot create bucket \(object)"
        }
        if let transport {
            text += ": \(transport)"
        } else {
            let answer = [code, status.map { "HTTP \($0)" }].compactMap { $0 }.joined(separator: ", ")
            if !answer.isEmpty { text += ": \(answer)" }
            if let message, !message.isEmpty {
                text += ": " + (message.hasSuffix(".") ? String(message.dropLast()) : message)
            }
        }
        if let advice { text += ". \(advice)" }
        if let requestID { text += " (S3 request id \(requestID))" }
        return text
    }
}

/// The `<Error>` document of an S3 answer: its code, message, request id, and the region a
/// redirect or a region error names. Everything else in it (S3 may echo the string it
/// signed and the signature it got) is left unread.
struct S3ErrorDocument {
    var code: String?
    var message: String?
    var requestID: String?
    var region: String?

    init(body: Data) {
        let text = String(decoding: body.prefix(64 << 10), as: UTF8.self)
        guard text.contains("<Error>") else { return }
        code = S3ErrorDocument.element("Code", in: text)
        message = S3ErrorDocument.element("Message", in: text)
        requestID = S3ErrorDocument.element("RequestId", in: text)
        region = S3ErrorDocument.element("Region", in: text)
    }

    /// The text of the first `<name>…</name>`, entities decoded. S3's error documents are
    /// flat, without attributes or CDATA: a scan is all they need.
    static func element(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"),
              let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        let value = decodingEntities(String(text[open.upperBound..<close.lowerBound]))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semicolon = rest[amp...].prefix(12).firstIndex(of: ";") else {
                result += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            let decoded: String? = switch entity {
            case "amp": "&"
            case "lt": "<"
            case "gt": ">"
            case "quot": "\""
            case "apos": "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if entity.hasPrefix("#") {
                    UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    nil
                }
            }
            if let decoded {
                result += decoded
                rest = rest[rest.index(after: semicolon)...]
            } else {
                result += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return result + rest
    }
}
