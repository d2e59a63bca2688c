import Foundation

/// Writes a file so that it either appears whole or not at all: the content goes to a
/// temporary name in the same directory, is flushed to disk, then renamed into place.
/// A failure removes the temporary file: no partial output is left behind.
public enum AtomicFile {
    /// Calls `write` with a temporary path next to `path`, then moves the result to `path`.
    public static func write<T>(to path: String, _ write: (String) throws -> T) throws -> T {
        let temporary = temporaryPath(for: path)
        do {
            let result = try write(temporary)
            try commit(temporary, to: path)
            return result
        } catch {
            discard(temporary)
            throw error
        }
    }

    /// A hidden temporary name next to `path`, keeping its extension (libavformat and libpng
    /// look at it); the directory is created if needed.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/.\(url.deletingPathExtension().lastPathComponent).partial-\(UUID().uuidString.prefix(8))"
            + (url.pathExtension.isEmpty ? "" : ".\(url.pathExtension)")
    }

    /// Flushes a finished temporary file to disk and renames it to `path`.
    public static func commit(_ temporary: String, to path: String) throws {
        try sync(temporary)
        guard rename(temporary, path) == 0 else {
            throw MediaError(.unreadable, path: path, "cannot move the finished file into place: \(String(cString: strerror(errno)))")
        }
        try? sync(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    public static func discard(_ temporary: String) {
        unlink(temporary)
    }

    /// fsync on a path (a file or a directory).
    static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw MediaError(.unreadable, path: path, "cannot open to flush: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw MediaError(.unreadable, path: path, "fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}
