import Foundation
import SwiftCSV

/// A batch's plan: one row per video, from a CSV (with a header) or JSON lines with the same
/// fields, plus `--set key=value` defaults. Paths are relative to the plan file; `https://`
/// URLs are allowed. A row that cannot be read is a finding for that row, never the end of
/// the batch.
public struct BatchPlan: Sendable {
    public static let fields = ["id", "photo", "audio", "script", "title", "voice", "orientation", "fit", "resolution", "motion",
                                "enhance_motion", "captions_script"]

    public var path: String
    public var rows: [BatchRow]
    /// Rows that could not be read, by position (1-based) or id.
    public var unreadable: [BatchRowProblem]

    /// Reads `path` (CSV, or JSON lines when it ends in .jsonl/.ndjson or starts with `{`).
    public static func load(_ path: String, defaults: [String: String] = [:]) throws -> BatchPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BatchError.plan("\(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw BatchError.plan("\(path) is not UTF-8 text") }
        let unknown = Set(defaults.keys).subtracting(fields)
        guard unknown.isEmpty else {
            throw BatchError.plan("--set \(unknown.sorted().joined(separator: ", ")): not a field (fields: \(fields.joined(separator: ", ")))")
        }
        let records = try isJSONLines(path, text) ? jsonLines(text, path: path) : csv(text, path: path)
        let base = (absolute(path) as NSString).deletingLastPathComponent
        var plan = BatchPlan(path: absolute(path), rows: [], unreadable: [])
        var seen: Set<String> = []
        for (index, record) in records.enumerated() {
            let position = index + 1
            switch record {
            case .failure(let problem):
                plan.unreadable.append(BatchRowProblem(position: position, id: String(position), message: problem.message))
            case .success(let fields):
                let merged = defaults.merging(fields.filter { !$0.value.isEmpty }) { $1 }
                switch BatchRow.make(merged, position: position, base: base) {
                case .success(let row) where seen.contains(row.id):
                    plan.unreadable.append(BatchRowProblem(position: position, id: row.id, message: "the id \(row.id) is used by an earlier row"))
                case .success(let row):
                    seen.insert(row.id)
                    plan.rows.append(row)
                case .failure(let problem):
                    plan.unreadable.append(BatchRowProblem(position: position, id: merged["id"] ?? String(position), message: problem.message))
                }
            }
        }
        guard !plan.rows.isEmpty || !plan.unreadable.isEmpty else { throw BatchError.plan("\(path) holds no rows") }
        return plan
    }

    static func isJSONLines(_ path: String, _ text: String) -> Bool {
        let ext = (path as NSString).pathExtension.lowercased()
        return ext == "jsonl" || ext == "ndjson" || text.drop { $0.isWhitespace }.first == "{"
    }

    static func csv(_ text: String, path: String) throws -> [Result<[String: String], BatchRow.Problem>] {
        let table: CSV<Named>
        do {
            table = try CSV<Named>(string: text, delimiter: .comma, loadColumns: false)
        } catch {
            throw BatchError.plan("\(path) is not a CSV file: \(error)")
        }
        let header = table.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let unknown = header.filter { !fields.contains($0) && !$0.isEmpty }
        guard unknown.isEmpty else {
            throw BatchError.plan("\(path): unknown column(s) \(unknown.joined(separator: ", ")) (columns: \(fields.joined(separator: ", ")))")
        }
        guard header.contains("photo") else { throw BatchError.plan("\(path) has no photo column") }
        return table.rows.map { row in
            var fields: [String: String] = [:]
            for (name, value) in row { fields[name.trimmingCharacters(in: .whitespaces).lowercased()] = value.trimmingCharacters(in: .whitespaces) }
            return .success(fields)
        }
    }

    static func jsonLines(_ text: String, path: String) throws -> [Result<[String: String], BatchRow.Problem>] {
        text.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return .failure(BatchRow.Problem(message: "not a JSON object: \(line.prefix(80))"))
            }
            var fields: [String: String] = [:]
            for (key, value) in object {
                guard BatchPlan.fields.contains(key) else { return .failure(BatchRow.Problem(message: "unknown field \(key)")) }
                switch value {
                case let text as String: fields[key] = text
                case let number as NSNumber: fields[key] = number.stringValue
                case is NSNull: continue
                default: return .failure(BatchRow.Problem(message: "the field \(key) is not a string, number or boolean"))
                }
            }
            return .success(fields)
        }
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

public struct BatchRowProblem: Sendable, Equatable, Codable {
    public var position: Int
    public var id: String
    public var message: String
}

/// One video of a batch, its fields checked for form (the media are checked by `check`).
public struct BatchRow: Sendable, Equatable, Codable {
    public var id: String
    public var position: Int
    /// A path made absolute against the plan's folder, or an https:// URL.
    public var photo: String
    public var audio: String?
    public var script: String?
    public var title: String?
    public var voice: String?
    public var orientation: Orientation
    public var fit: Fit
    /// The output size the row expects (the service decides it; QA compares).
    public var resolution: String?
    public var motion: String?
    public var enhanceMotion: Bool
    public var captionsScript: String?

    public struct Problem: Error, Sendable { public var message: String }

    static func make(_ fields: [String: String], position: Int, base: String) -> Result<BatchRow, Problem> {
        func fail(_ message: String) -> Result<BatchRow, Problem> { .failure(Problem(message: message)) }
        let id = fields["id"] ?? String(position)
        guard id.range(of: "^[A-Za-z0-9._-]{1,80}$", options: .regularExpression) != nil, id != ".", id != ".." else {
            return fail("the id \"\(id)\" must be 1–80 letters, digits, dots, dashes or underscores (it names the row's folder)")
        }
        guard let photo = fields["photo"] else { return fail("no photo") }
        guard fields["audio"] != nil || fields["script"] != nil else { return fail("neither audio nor script: the render needs speech") }
        guard let orientation = Orientation(rawValue: fields["orientation"] ?? "landscape") else {
            return fail("orientation \(fields["orientation"] ?? ""): give landscape or portrait")
        }
        guard let fit = Fit(rawValue: fields["fit"] ?? "cover") else { return fail("fit \(fields["fit"] ?? ""): give cover or contain") }
        if let resolution = fields["resolution"], !["720p", "1080p"].contains(resolution) {
            return fail("resolution \(resolution): give 720p or 1080p")
        }
        guard let enhance = flag(fields["enhance_motion"]) else {
            return fail("enhance_motion \(fields["enhance_motion"] ?? ""): give true or false")
        }
        let script: String?, captions: String?
        do {
            script = try fields["script"].map { try readText($0, base) }
            captions = try fields["captions_script"].map { try readText($0, base) }
        } catch let problem as Problem {
            return .failure(problem)
        } catch {
            return fail("\(error)")
        }
        return .success(BatchRow(id: id, position: position, photo: resolve(photo, base), audio: fields["audio"].map { resolve($0, base) },
                                 script: script, title: fields["title"], voice: fields["voice"], orientation: orientation, fit: fit,
                                 resolution: fields["resolution"], motion: fields["motion"], enhanceMotion: enhance, captionsScript: captions))
    }

    static func flag(_ text: String?) -> Bool? {
        switch text?.lowercased() {
        case nil, "", "false", "no", "0": return false
        case "true", "yes", "1": return true
        default: return nil
        }
    }

    static func resolve(_ path: String, _ base: String) -> String {
        if path.hasPrefix("https://") || path.hasPrefix("http://") || path.hasPrefix("/") { return path }
        return (base as NSString).appendingPathComponent(path)
    }

    /// A script cell is the text itself, or `@file` relative to the plan.
    static func readText(_ value: String, _ base: String) throws -> String {
        guard value.hasPrefix("@") else { return value }
        let path = resolve(String(value.dropFirst()), base)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Problem(message: "the script file \(path) cannot be read")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public enum BatchError: Error, CustomStringConvertible, Sendable {
    case plan(String)
    case state(String)

    public var description: String {
        switch self {
        case .plan(let message): return "the plan: \(message)"
        case .state(let message): return message
        }
    }
}
