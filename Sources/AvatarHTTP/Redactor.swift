import Foundation

/// What else in one request is secret, beyond what the `Redactor` always hides.
public struct RedactionHints: Sendable, Equatable {
    /// More header names whose values are secret.
    public var headers: Set<String>
    /// More query parameters whose values are secret.
    public var queryParameters: Set<String>
    /// The whole query string of the URL is secret (a presigned URL of unknown shape).
    public var wholeQuery: Bool

    public init(headers: Set<String> = [], queryParameters: Set<String> = [], wholeQuery: Bool = false) {
        self.headers = headers
        self.queryParameters = queryParameters
        self.wholeQuery = wholeQuery
    }

    public static let wholeQuery = RedactionHints(wholeQuery: true)
}

/// Replaces secrets with "REDACTED" in everything this module writes or throws: header
/// values of credentials, the signature parts of presigned URLs, and any literal secret it
/// was given (the values of a request's credential headers, so that even a line of libcurl's
/// own cannot carry them).
public struct Redactor: Sendable {
    public static let placeholder = "REDACTED"
    public static let defaultHeaders: Set<String> = [
        "x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie", "x-amz-security-token",
    ]
    public static let defaultQueryParameters: Set<String> = [
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature",
        "x-goog-signature", "x-goog-credential",
    ]

    /// Lowercased header names whose values are hidden.
    public private(set) var headerNames: Set<String>
    /// Lowercased query parameter names whose values are hidden.
    public private(set) var queryParameters: Set<String>
    /// Hide every query string, not only the known parameters.
    public var redactsWholeQuery: Bool
    /// Literal values hidden wherever they occur.
    public private(set) var secrets: [String] = []

    public init(headerNames: Set<String> = Redactor.defaultHeaders,
                queryParameters: Set<String> = Redactor.defaultQueryParameters,
                redactsWholeQuery: Bool = false) {
        self.headerNames = Set(headerNames.map { $0.lowercased() })
        self.queryParameters = Set(queryParameters.map { $0.lowercased() })
        self.redactsWholeQuery = redactsWholeQuery
    }

    public func adding(_ hints: RedactionHints) -> Redactor {
        var copy = self
        copy.headerNames.formUnion(hints.headers.map { $0.lowercased() })
        copy.queryParameters.formUnion(hints.queryParameters.map { $0.lowercased() })
        copy.redactsWholeQuery = redactsWholeQuery || hints.wholeQuery
        return copy
    }

    /// Adds a literal secret. Very short values are left out: hiding every "ab" in a log
    /// would hide nothing and garble everything.
    public func adding(secret: String) -> Redactor {
        let value = secret.trimmingCharacters(in: .whitespaces)
        guard value.count >= 4, !secrets.contains(value) else { return self }
        var copy = self
        copy.secrets.append(value)
        copy.secrets.sort { $0.count > $1.count }  // longest first, so no secret is half-replaced
        return copy
    }

    /// This redactor, knowing the secrets that one request carries.
    public func knowing(_ request: HTTPRequest) -> Redactor {
        var redactor = adding(request.redaction)
        for field in request.headers where redactor.isSecret(header: field.name) {
            redactor = redactor.adding(secret: field.value)
            // "Bearer <token>": the token alone may be quoted elsewhere.
            if let token = field.value.split(separator: " ").last, token.count < field.value.count {
                redactor = redactor.adding(secret: String(token))
            }
        }
        for (name, value) in Redactor.queryItems(of: request.url)
        where redactor.redactsWholeQuery || redactor.queryParameters.contains(name) {
            redactor = redactor.adding(secret: value)
        }
        if redactor.redactsWholeQuery, let query = Redactor.query(of: request.url) {
            redactor = redactor.adding(secret: query)
        }
        return redactor
    }

    public func isSecret(header name: String) -> Bool {
        headerNames.contains(name.lowercased())
    }

    public func header(_ name: String, _ value: String) -> String {
        isSecret(header: name) ? Redactor.placeholder : scrubSecrets(value)
    }

    /// A URL with its password, secret query parameters (or its whole query) hidden.
    public func url(_ url: String) -> String {
        var text = Redactor.hidingPassword(in: url)
        if redactsWholeQuery, let mark = text.firstIndex(of: "?") {
            let end = text[mark...].firstIndex(of: "#") ?? text.endIndex
            text.replaceSubrange(text.index(after: mark)..<end, with: Redactor.placeholder)
        } else {
            text = hidingQueryParameters(in: text)
        }
        return scrubSecrets(text)
    }

    /// A line of free text: a trace line, an error message. Hides the values of secret
    /// header fields ("x-api-key: …", also inside libcurl's "[x-api-key: …]"), the URLs
    /// in it, secret query parameters of request lines, and every known secret.
    public func text(_ line: String) -> String {
        var text = hidingHeaderValues(in: line)
        text = hidingURLs(in: text)
        text = hidingQueryParameters(in: text)
        return scrubSecrets(text)
    }

    // MARK: - The pieces

    private func scrubSecrets(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: Redactor.placeholder)
        }
        return text
    }

    private func hidingHeaderValues(in line: String) -> String {
        var text = line
        for name in headerNames {
            var searchStart = text.startIndex
            while let found = text.range(of: name, options: .caseInsensitive, range: searchStart..<text.endIndex) {
                searchStart = found.upperBound
                // A whole name: not the tail of a longer token.
                if found.lowerBound > text.startIndex, Redactor.isTokenCharacter(text[text.index(before: found.lowerBound)]) {
                    continue
                }
                var cursor = found.upperBound
                while cursor < text.endIndex, text[cursor] == " " || text[cursor] == "\t" { cursor = text.index(after: cursor) }
                guard cursor < text.endIndex, text[cursor] == ":" else { continue }
                let valueStart = text.index(after: cursor)
                let valueEnd = text[valueStart...].firstIndex { $0 == "]" || $0.isNewline } ?? text.endIndex
                let replacement = " " + Redactor.placeholder
                let resumeOffset = text.distance(from: text.startIndex, to: valueStart) + replacement.count
                text.replaceSubrange(valueStart..<valueEnd, with: replacement)
                searchStart = text.index(text.startIndex, offsetBy: resumeOffset)
            }
        }
        return text
    }

    private func hidingURLs(in line: String) -> String {
        var result = ""
        var rest = line[...]
        while let start = Redactor.urlStart(in: rest) {
            result += rest[..<start]
            let end = rest[start...].firstIndex(where: Redactor.endsURL) ?? rest.endIndex
            result += url(String(rest[start..<end]))
            rest = rest[end...]
        }
        return result + rest
    }

    private func hidingQueryParameters(in text: String) -> String {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            result.append(character)
            index = text.index(after: index)
            guard character == "?" || character == "&" else { continue }
            // The parameter's name runs to "=" and holds no delimiter.
            guard let equals = text[index...].firstIndex(where: { $0 == "=" || $0 == "?" || $0 == "&" || Redactor.endsURL($0) }),
                  text[equals] == "=", equals > index
            else { continue }
            let name = text[index..<equals]
            guard queryParameters.contains(Redactor.decoded(name)) else { continue }
            let valueStart = text.index(after: equals)
            let valueEnd = text[valueStart...].firstIndex { $0 == "&" || $0 == "#" || Redactor.endsURL($0) } ?? text.endIndex
            result += name + "=" + Redactor.placeholder
            index = valueEnd
        }
        return result
    }

    private static func hidingPassword(in url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let authorityEnd = url[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        guard let at = url[scheme.upperBound..<authorityEnd].lastIndex(of: "@"),
              let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        else { return url }
        var text = url
        text.replaceSubrange(url.index(after: colon)..<at, with: placeholder)
        return text
    }

    static func query(of url: String) -> String? {
        guard let mark = url.firstIndex(of: "?") else { return nil }
        let end = url[mark...].firstIndex(of: "#") ?? url.endIndex
        let query = url[url.index(after: mark)..<end]
        return query.isEmpty ? nil : String(query)
    }

    /// (lowercased decoded name, raw value) of each query parameter.
    static func queryItems(of url: String) -> [(String, String)] {
        guard let query = query(of: url) else { return [] }
        return query.split(separator: "&").compactMap { item in
            guard let equals = item.firstIndex(of: "=") else { return nil }
            return (decoded(item[..<equals]), String(item[item.index(after: equals)...]))
        }
    }

    private static func decoded(_ name: Substring) -> String {
        (String(name).removingPercentEncoding ?? String(name)).lowercased()
    }

    private static func urlStart(in text: Substring) -> String.Index? {
        let http = text.range(of: "http://", options: .caseInsensitive)?.lowerBound
        let https = text.range(of: "https://", options: .caseInsensitive)?.lowerBound
        switch (http, https) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        case (nil, nil): return nil
        }
    }

    private static func endsURL(_ character: Character) -> Bool {
        character.isWhitespace || "\"'<>`\\".contains(character)
    }

    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-" || character == "_"
    }
}
