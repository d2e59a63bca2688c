import Foundation

/// Where output goes: results on stdout, progress and logs on stderr; colour only on a TTY
/// and only when NO_COLOR is not set.
enum Terminal {
    static let stdoutIsTTY = isatty(STDOUT_FILENO) == 1
    static let stderrIsTTY = isatty(STDERR_FILENO) == 1
    static let colorAllowed = ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true

    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        log("avatarpipe: error: " + text)
    }

    enum Color: String {
        case green = "32", yellow = "33", red = "31", bold = "1", dim = "2"
    }

    /// Wraps `text` in an ANSI colour when writing to a TTY that allows colour.
    static func paint(_ text: String, _ color: Color, tty: Bool = stdoutIsTTY) -> String {
        guard tty, colorAllowed else { return text }
        return "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m"
    }
}
