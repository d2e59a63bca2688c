import Foundation

/// Checks that a path names a readable, non-empty regular file before any library sees it,
/// so that the error says what is wrong with the path rather than what a decoder made of it.
public enum InputFile {
    /// Returns the file's size in bytes.
    @discardableResult
    public static func validate(_ path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno
            if reason == ENOENT || reason == ENOTDIR {
                throw MediaError(.notFound, path: path, "no such file")
            }
            throw MediaError(.unreadable, path: path, "cannot read: \(String(cString: strerror(reason)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw MediaError(.notAFile, path: path, "is a directory, not a file")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MediaError(.notAFile, path: path, "is not a regular file")
        }
        guard access(path, R_OK) == 0 else {
            throw MediaError(.unreadable, path: path, "cannot read: \(String(cString: strerror(errno)))")
        }
        guard info.st_size > 0 else {
            throw MediaError(.empty, path: path, "is empty (0 bytes)")
        }
        return Int64(info.st_size)
    }

    /// Up to `count` bytes from the start of the file.
    public static func head(_ path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaError(.unreadable, path: path, "cannot open for reading")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw MediaError(.unreadable, path: path, "read failed: \(error.localizedDescription)")
        }
    }
}
