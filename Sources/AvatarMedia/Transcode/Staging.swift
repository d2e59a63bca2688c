import Foundation

/// Where a transcode writes before its outputs are whole: each file under a temporary name
/// next to its final path, the HLS tree in a temporary directory next to its final one.
/// `commit` moves everything into place; `discard` removes everything, so a failure leaves
/// no partial output behind.
final class Staging {
    private var files: [(temporary: String, final: String)] = []
    private var tree: (temporary: String, final: String)?

    /// A temporary path for the file `path`.
    func file(_ path: String) -> String {
        let temporary = AtomicFile.temporaryPath(for: path)
        files.append((temporary, path))
        return temporary
    }

    /// A fresh temporary directory for the directory `path` (created).
    func directory(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        tree = (temporary, path)
        return temporary
    }

    /// The final path of something under the temporary directory.
    func finalPath(of temporaryPath: String) -> String {
        guard let tree, temporaryPath.hasPrefix(tree.temporary) else { return temporaryPath }
        return tree.final + temporaryPath.dropFirst(tree.temporary.count)
    }

    /// Moves everything into place; if one move fails, the outputs already moved are removed
    /// again (with the rest), so no partial set is left behind.
    func commit() throws {
        var committed: [String] = []
        do {
            for (temporary, final) in files {
                try AtomicFile.commit(temporary, to: final)
                committed.append(final)
            }
            try commitTree()
        } catch {
            committed.forEach { try? FileManager.default.removeItem(atPath: $0) }
            discard()
            throw error
        }
        files.removeAll()
    }

    private func commitTree() throws {
        if let tree {
            // A tree from an earlier run is set aside first: rename cannot replace a directory.
            let manager = FileManager.default
            let old = tree.temporary.replacingOccurrences(of: ".partial-", with: ".old-")
            let replacing = manager.fileExists(atPath: tree.final)
            if replacing { try manager.moveItem(atPath: tree.final, toPath: old) }
            do {
                try manager.moveItem(atPath: tree.temporary, toPath: tree.final)
            } catch {
                if replacing { try? manager.moveItem(atPath: old, toPath: tree.final) }
                throw MediaError(.unreadable, path: tree.final, "cannot move the finished HLS tree into place: \(error.localizedDescription)")
            }
            if replacing { try? manager.removeItem(atPath: old) }
            self.tree = nil
        }
    }

    func discard() {
        for (temporary, _) in files { AtomicFile.discard(temporary) }
        files.removeAll()
        if let tree { try? FileManager.default.removeItem(atPath: tree.temporary) }
        tree = nil
    }

    static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }
}
