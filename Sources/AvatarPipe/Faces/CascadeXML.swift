import Foundation

/// The elements of an XML file as a flat tree over its bytes: just enough XML for OpenCV's
/// FileStorage output (elements, attributes skipped, text, comments, the declaration). A
/// hand-written reader, because a cascade is ~50,000 small elements and must load in
/// milliseconds; it keeps byte ranges and parses numbers only where they are asked for.
struct CascadeXML {
    struct Element {
        var nameStart: Int
        var nameEnd: Int
        /// The text between the start and end tags, for elements without children.
        var textStart: Int
        var textEnd: Int
        var firstChild = -1
        var nextSibling = -1
    }

    /// What went wrong and at which byte; `HaarCascade` turns it into a line number and a path.
    struct ParseError: Error {
        var offset: Int
        var message: String
    }

    let bytes: [UInt8]
    private(set) var elements: [Element] = []

    init(bytes fileBytes: [UInt8]) throws(ParseError) {
        bytes = fileBytes
        elements.reserveCapacity(fileBytes.count / 24)
        try parse(length: fileBytes.count)
    }

    var root: Int? { elements.isEmpty ? nil : 0 }

    func name(_ element: Int) -> String {
        String(decoding: bytes[elements[element].nameStart..<elements[element].nameEnd], as: UTF8.self)
    }

    func children(_ element: Int) -> [Int] {
        var out: [Int] = []
        var child = elements[element].firstChild
        while child >= 0 {
            out.append(child)
            child = elements[child].nextSibling
        }
        return out
    }

    /// The first child element with this name.
    func child(_ element: Int, _ name: String) -> Int? {
        let wanted = Array(name.utf8)
        var child = elements[element].firstChild
        while child >= 0 {
            let e = elements[child]
            if e.nameEnd - e.nameStart == wanted.count && bytes[e.nameStart..<e.nameEnd].elementsEqual(wanted) {
                return child
            }
            child = e.nextSibling
        }
        return nil
    }

    func text(_ element: Int) -> String {
        let e = elements[element]
        return String(decoding: bytes[e.textStart..<e.textEnd], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The whitespace-separated numbers of an element's text. Swift's own parser reads them:
    /// it rounds correctly and ignores the process locale, as a file format needs.
    func numbers(_ element: Int) throws(ParseError) -> [Double] {
        let e = elements[element]
        var values: [Double] = []
        var failedAt: Int?
        bytes.withUnsafeBufferPointer { buffer in
            var i = e.textStart
            while i < e.textEnd {
                if isSpace(buffer[i]) { i += 1; continue }
                var end = i
                while end < e.textEnd && !isSpace(buffer[end]) { end += 1 }
                // Tokens are short, so the String stays inline: no allocation per number.
                guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: buffer[i..<end]), as: UTF8.self)) else {
                    failedAt = i
                    return
                }
                values.append(value)
                i = end
            }
        }
        if let failedAt { throw ParseError(offset: failedAt, message: "expected a number") }
        return values
    }

    func offset(of element: Int) -> Int { elements[element].nameStart }

    // MARK: - Reading

    private mutating func parse(length: Int) throws(ParseError) {
        var open: [Int] = []          // indices of the elements not yet closed
        var lastChild: [Int] = []     // per open element, its most recent child (-1: none yet)
        var i = 0
        while i < length {
            guard bytes[i] == UInt8(ascii: "<") else {
                i += 1
                continue
            }
            let next = i + 1 < length ? bytes[i + 1] : 0
            if next == UInt8(ascii: "?") {
                i = try skip(past: "?>", from: i, length: length, what: "a <? declaration")
            } else if next == UInt8(ascii: "!") {
                i = try skipMarkup(from: i, length: length)
            } else if next == UInt8(ascii: "/") {
                i = try close(from: i, length: length, open: &open, lastChild: &lastChild)
            } else {
                if open.isEmpty && !elements.isEmpty {
                    throw ParseError(offset: i, message: "content after the end of the root element")
                }
                let (index, end, selfClosing) = try openElement(from: i, length: length)
                if let parent = open.last {
                    if let previous = lastChild.last, previous >= 0 {
                        elements[previous].nextSibling = index
                    } else {
                        elements[parent].firstChild = index
                    }
                    lastChild[lastChild.count - 1] = index
                }
                if !selfClosing {
                    open.append(index)
                    lastChild.append(-1)
                }
                i = end
            }
        }
        if let unclosed = open.last {
            throw ParseError(offset: length, message: "the file ends before <\(name(unclosed))> is closed (truncated?)")
        }
        if elements.isEmpty { throw ParseError(offset: 0, message: "no XML element found") }
    }

    /// Reads `<name ...>` or `<name .../>` at `start`; returns the new element's index, the
    /// offset after the tag and whether it closed itself.
    private mutating func openElement(from start: Int, length: Int) throws(ParseError) -> (Int, Int, Bool) {
        var i = start + 1
        while i < length, isNameByte(bytes[i]) { i += 1 }
        guard i > start + 1 else { throw ParseError(offset: start, message: "a '<' that starts no element") }
        let nameEnd = i
        var quote: UInt8 = 0
        while i < length {
            let b = bytes[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: ">") {
                break
            }
            i += 1
        }
        guard i < length else { throw ParseError(offset: start, message: "the file ends inside a tag (truncated?)") }
        let selfClosing = bytes[i - 1] == UInt8(ascii: "/")
        let element = Element(nameStart: start + 1, nameEnd: nameEnd, textStart: i + 1, textEnd: i + 1)
        elements.append(element)
        return (elements.count - 1, i + 1, selfClosing)
    }

    private mutating func close(from start: Int, length: Int, open: inout [Int], lastChild: inout [Int]) throws(ParseError) -> Int {
        var i = start + 2
        while i < length, isNameByte(bytes[i]) { i += 1 }
        let nameRange = (start + 2)..<i
        while i < length, isSpace(bytes[i]) { i += 1 }
        guard i < length, bytes[i] == UInt8(ascii: ">") else {
            throw ParseError(offset: start, message: "a closing tag that does not end with '>' (truncated?)")
        }
        guard let current = open.last else {
            throw ParseError(offset: start, message: "a closing tag with no element open")
        }
        let e = elements[current]
        guard bytes[nameRange].elementsEqual(bytes[e.nameStart..<e.nameEnd]) else {
            let found = String(decoding: bytes[nameRange], as: UTF8.self)
            throw ParseError(offset: start, message: "</\(found)> closes <\(name(current))>")
        }
        if e.firstChild < 0 { elements[current].textEnd = start }
        open.removeLast()
        lastChild.removeLast()
        return i + 1
    }

    /// Skips `<!-- ... -->`, `<![CDATA[ ... ]]>` or `<!DOCTYPE ...>`.
    private func skipMarkup(from start: Int, length: Int) throws(ParseError) -> Int {
        if matches("<!--", at: start, length: length) {
            return try skip(past: "-->", from: start, length: length, what: "a comment")
        }
        if matches("<![CDATA[", at: start, length: length) {
            throw ParseError(offset: start, message: "CDATA sections are not used by cascade files")
        }
        return try skip(past: ">", from: start, length: length, what: "a <! declaration")
    }

    private func skip(past terminator: String, from start: Int, length: Int, what: String) throws(ParseError) -> Int {
        let t = Array(terminator.utf8)
        var i = start + 2
        while i + t.count <= length {
            if bytes[i] == t[0] && matches(terminator, at: i, length: length) { return i + t.count }
            i += 1
        }
        throw ParseError(offset: start, message: "the file ends inside \(what) (truncated?)")
    }

    private func matches(_ text: String, at offset: Int, length: Int) -> Bool {
        let t = Array(text.utf8)
        guard offset + t.count <= length else { return false }
        return bytes[offset..<(offset + t.count)].elementsEqual(t)
    }

    /// The line of a byte offset, for error messages.
    func line(of offset: Int) -> Int { Self.line(of: offset, in: bytes) }

    static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        1 + bytes[0..<min(offset, bytes.count)].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }
}

private func isSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
}

private func isNameByte(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") || b >= 0x80
}
