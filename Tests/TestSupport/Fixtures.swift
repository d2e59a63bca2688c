import Foundation

/// Paths of the committed fixtures and of the edge cases `scripts/make-fixtures.sh` generates.
public enum Fixtures {
    /// The package root, found from this file's location.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func committed(_ name: String) -> String {
        root.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }

    /// Generated once per test process (the script itself skips work when its stamp matches).
    public static func generated(_ name: String) -> String {
        generatedDirectory.appendingPathComponent(name).path
    }

    public static let generatedDirectory: URL = {
        let directory = root.appendingPathComponent(".build/fixtures")
        let result = Shell.run("/bin/bash", [root.appendingPathComponent("scripts/make-fixtures.sh").path, directory.path])
        precondition(result.status == 0, "scripts/make-fixtures.sh failed: \(result.stderr)")
        return directory
    }()

    public static var photo: String { committed("astronaut.png") }
    public static var speech: String { committed("speech.wav") }
    public static var script: String { committed("script.txt") }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ label: String = "avatarpipe-test") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func remove() { try? FileManager.default.removeItem(at: url) }
}
