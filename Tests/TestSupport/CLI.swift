import Foundation

/// Runs the built `avatarpipe` binary, as a user would.
public enum CLI {
    public static let binary: String = {
        var candidates: [String] = []
        if let test = CommandLine.arguments.first {
            let directory = URL(fileURLWithPath: test).deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("avatarpipe").path)
            // Inside an .xctest bundle on some platforms: go up to the build directory.
            candidates.append(directory.deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("avatarpipe").path)
        }
        candidates.append(Fixtures.root.appendingPathComponent(".build/debug/avatarpipe").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last ?? "avatarpipe"
    }()

    public static func run(_ arguments: [String], environment: [String: String] = [:]) -> Shell.Result {
        Shell.run(binary, arguments, environment: environment)
    }

    /// Parses a JSON object from stdout.
    public static func json(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }
}
