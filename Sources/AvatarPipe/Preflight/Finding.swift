/// How serious a finding is. A `block` stops a paid render; a `warn` deserves a look.
public enum Level: String, Codable, Sendable, Comparable, CaseIterable {
    case ok, warn, block

    private var rank: Int { Level.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
}

/// A JSON value for the numbers (and a few words) behind a finding.
public enum FactValue: Codable, Sendable, Equatable {
    case number(Double)
    case text(String)
    case flag(Bool)

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .flag(let value): try container.encode(value)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .flag(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else { self = .text(try container.decode(String.self)) }
    }
}

extension FactValue: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .flag(value) }
    public static func of(_ value: Double) -> FactValue { .number(value) }
    public static func of(_ value: Int) -> FactValue { .number(Double(value)) }
    public static func of(_ value: Int64) -> FactValue { .number(Double(value)) }
}

/// One result of a check: a level, a stable code (`photo.too_small`), a message that says
/// what to do, and the numbers behind it.
public struct Finding: Codable, Sendable, Equatable {
    public var level: Level
    public var code: String
    public var message: String
    public var values: [String: FactValue]
    /// True when the input could not be read at all (exit code 2 rather than 3).
    public var isUnreadableInput: Bool

    public init(_ level: Level, _ code: String, _ message: String, values: [String: FactValue] = [:], unreadable: Bool = false) {
        self.level = level
        self.code = code
        self.message = message
        self.values = values
        self.isUnreadableInput = unreadable
    }

    enum CodingKeys: String, CodingKey { case level, code, message, values }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        level = try container.decode(Level.self, forKey: .level)
        code = try container.decode(String.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        values = try container.decodeIfPresent([String: FactValue].self, forKey: .values) ?? [:]
        isUnreadableInput = false
    }

    /// The part of the code before the first dot: `photo`, `audio`, `framing`…
    public var subject: String { String(code.prefix { $0 != "." }) }
}
