import Foundation

/// Runs programs for tests: the ffmpeg/ffprobe judges and the built `avatarpipe` binary.
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Result(status: -1, stdout: "", stderr: "cannot start \(executable): \(error)")
        }
        // Read both pipes concurrently so a full pipe cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        OffPool.detach {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Looks a program up on PATH.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// The ffmpeg and ffprobe command lines, the independent judges of the tests.
public enum Judge {
    public static func ffprobe(_ arguments: [String]) -> Shell.Result {
        Shell.run(Shell.which("ffprobe") ?? "/usr/bin/ffprobe", ["-v", "error"] + arguments)
    }

    public static func ffmpeg(_ arguments: [String]) -> Shell.Result {
        Shell.run(Shell.which("ffmpeg") ?? "/usr/bin/ffmpeg", ["-nostdin", "-hide_banner"] + arguments)
    }

    /// One value of `ffprobe -show_entries`, e.g. `stream=sample_rate`.
    public static func probeValue(_ path: String, entry: String, stream: String? = nil) -> String {
        var arguments = ["-show_entries", entry, "-of", "default=noprint_wrappers=1:nokey=1"]
        if let stream { arguments += ["-select_streams", stream] }
        return ffprobe(arguments + [path]).stdout.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Integrated loudness in LUFS as libavfilter's ebur128 filter measures it.
    public static func ebur128Integrated(_ path: String) -> Double? {
        let result = ffmpeg(["-nostats", "-i", path, "-af", "ebur128=framelog=verbose", "-f", "null", "-"])
        // The summary block ends the log: "Integrated loudness:\n    I:         -23.0 LUFS"
        guard let range = result.stderr.range(of: "Integrated loudness:") else { return nil }
        let tail = result.stderr[range.upperBound...]
        guard let line = tail.split(separator: "\n").first(where: { $0.contains("I:") }) else { return nil }
        let number = line.split(separator: " ").dropFirst().first { Double($0) != nil }
        return number.flatMap { Double($0) }
    }
}
