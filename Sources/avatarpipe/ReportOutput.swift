import AvatarPipe
import Foundation

enum ReportJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// The readable report: a heading, one line per finding, the verdict last.
enum ReportPrinter {
    static func print(_ report: PreflightReport, request: PreflightRequest) {
        var heading = "avatarpipe check: photo \(request.photoPath)"
        if let audio = request.audioPath { heading += ", audio \(audio)" }
        heading += " (\(request.orientation.rawValue), \(request.fit.rawValue))"
        Terminal.out(Terminal.paint(heading, .bold))
        let width = min(28, report.findings.map(\.code.count).max() ?? 0)
        for finding in report.findings {
            let level = finding.level.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)
            let code = finding.code.padding(toLength: max(width, finding.code.count), withPad: " ", startingAt: 0)
            Terminal.out("  \(Terminal.paint(level, color(finding.level))) \(code)  \(finding.message)")
        }
        Terminal.out(verdictLine(report))
    }

    /// What `check --fix` made, file by file, before the report of the prepared files.
    static func printPreparation(_ summary: PreparationSummary, directory: String) {
        Terminal.out(Terminal.paint("prepared into \(directory)/input/:", .bold))
        for file in [summary.photo, summary.audio].compactMap({ $0 }) {
            let state = file.reused ? " (reused from an earlier run)" : ""
            Terminal.out("  \(file.role)  \(file.path)\(state)")
            if file.changes.isEmpty {
                Terminal.out("         the original is used as it is")
            }
            for change in file.changes { Terminal.out("         - \(change)") }
            for note in file.notes { Terminal.out("         note: \(note)") }
        }
        Terminal.out("")
    }

    static func verdictLine(_ report: PreflightReport) -> String {
        let warnings = report.findings.filter { $0.level == .warn }.count
        let blocks = report.findings.filter { $0.level == .block }.count
        let text: String
        switch report.exitCode {
        case 2: text = "block — an input cannot be read (exit 2)"
        case 3: text = "block — \(blocks) problem\(blocks == 1 ? "" : "s") would make the render fail or waste money (exit 3)"
        default:
            text = warnings == 0 ? "ok — ready to render" : "warn — ready to render; \(warnings) warning\(warnings == 1 ? "" : "s") worth a look"
        }
        return Terminal.paint("verdict: " + text, color(report.verdict))
    }

    static func color(_ level: Level) -> Terminal.Color {
        switch level {
        case .ok: return .green
        case .warn: return .yellow
        case .block: return .red
        }
    }
}
