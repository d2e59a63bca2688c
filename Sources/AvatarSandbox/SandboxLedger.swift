import Foundation

public enum SandboxJobStatus: String, Codable, Sendable, Equatable {
    case queued = "QUEUED"
    case processing = "PROCESSING"
    case completed = "COMPLETED"
    case failed = "FAILED"

    public var isTerminal: Bool { self == .completed || self == .failed }
}

/// Everything that touched money in a sandbox: each accepted submission with its body and
/// fate, each refused submit, each charge, each upload, and the balance. The API key never
/// appears in it (a body value holding the key is replaced).
public struct SandboxLedger: Codable, Sendable {
    public struct StatusChange: Codable, Sendable, Equatable {
        public var status: SandboxJobStatus
        public var at: Date
    }

    /// A submit that was accepted: a job exists and may be charged.
    public struct Submission: Codable, Sendable {
        public var requestID: String
        /// The path it was posted to: `/v2/heygen-avatar-iv` or `/v1/heygen-avatar-iv`.
        public var endpoint: String
        public var submittedAt: Date
        public var body: JSONValue
        public var status: SandboxJobStatus
        public var error: String?
        public var history: [StatusChange]
        public var outputURL: String?
        /// Credits charged for it; nil until it completes, and for failed jobs.
        public var charged: Double?
        /// The sandbox closed the connection instead of answering (the `drop_submits` fault).
        public var connectionDropped: Bool
        public var expired: Bool

        enum CodingKeys: String, CodingKey {
            case endpoint, body, status, error, history, charged, expired
            case requestID = "request_id"
            case submittedAt = "submitted_at"
            case outputURL = "output_url"
            case connectionDropped = "connection_dropped"
        }
    }

    /// A submit answered with an error: nothing was started, nothing is charged.
    public struct Rejection: Codable, Sendable {
        public var at: Date
        public var endpoint: String
        public var status: Int
        public var error: String
    }

    public struct Charge: Codable, Sendable {
        public var requestID: String
        public var at: Date
        public var amount: Double
        public var balanceAfter: Double

        enum CodingKeys: String, CodingKey {
            case at, amount
            case requestID = "request_id"
            case balanceAfter = "balance_after"
        }
    }

    public struct Upload: Codable, Sendable {
        public var url: String
        public var contentType: String
        public var bytes: Int
        public var at: Date

        enum CodingKeys: String, CodingKey {
            case url, bytes, at
            case contentType = "content_type"
        }
    }

    public var balance: Double
    public var submissions: [Submission]
    public var rejected: [Rejection]
    public var charges: [Charge]
    public var uploads: [Upload]
}

/// Any JSON value, kept as received (numbers as Double).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The same value with every string that contains `secret` replaced.
    func redacting(_ secret: String) -> JSONValue {
        guard !secret.isEmpty else { return self }
        switch self {
        case .string(let value) where value.contains(secret):
            return .string(value.replacingOccurrences(of: secret, with: "[redacted]"))
        case .array(let values):
            return .array(values.map { $0.redacting(secret) })
        case .object(let object):
            var copy: [String: JSONValue] = [:]
            for (key, value) in object {
                copy[key.contains(secret) ? key.replacingOccurrences(of: secret, with: "[redacted]") : key] = value.redacting(secret)
            }
            return .object(copy)
        default:
            return self
        }
    }
}
