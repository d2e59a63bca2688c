import AvatarMedia

/// Turns a failure to read an input into a finding: unreadable files (missing, empty, not
/// media at all) give exit code 2; media that is damaged or too large blocks (exit 3).
enum InputFailure {
    static func finding(_ error: Error, path: String, subject: String, role: String) -> Finding {
        if let error = error as? MediaError {
            return finding(error, subject: subject, role: role)
        }
        if let error = error as? FFmpegError {
            return Finding(.block, "\(subject).corrupt",
                           "\(path): FFmpeg cannot decode this \(role) (\(error.call): \(error.message)"
                           + (error.logLine.map { "; \($0)" } ?? "") + "). Re-export it from the original.",
                           values: ["ffmpeg_code": .of(Int(error.code))])
        }
        return Finding(.block, "\(subject).unreadable", "\(path): \(error)", unreadable: true)
    }

    static func finding(_ error: MediaError, subject: String, role: String) -> Finding {
        let path = error.path
        switch error.kind {
        case .notFound:
            return Finding(.block, "\(subject).unreadable", "\(path): no such file. Check the path given for the \(role).", unreadable: true)
        case .notAFile:
            return Finding(.block, "\(subject).unreadable", "\(path) \(error.detail); give the \(role) file itself.", unreadable: true)
        case .empty:
            return Finding(.block, "\(subject).unreadable", "\(path) is empty (0 bytes): an interrupted download or copy?", unreadable: true)
        case .unreadable:
            return Finding(.block, "\(subject).unreadable", "\(path): \(error.detail).", unreadable: true)
        case .unrecognized:
            return Finding(.block, "\(subject).unreadable",
                           "\(path) is not a \(role): its content matches no image or audio format, whatever its name says.",
                           unreadable: true)
        case .noStream:
            return Finding(.block, "\(subject).unreadable",
                           "\(path) \(error.detail), so it cannot serve as the \(role).", unreadable: true)
        case .tooLarge:
            return Finding(.block, "\(subject).too_large", "\(path) \(error.detail). Use a smaller export of the \(role).")
        case .truncated:
            return Finding(.block, "\(subject).truncated", "\(path): \(error.detail). Copy or download the \(role) again.")
        case .corrupt:
            return Finding(.block, "\(subject).corrupt", "\(path): \(error.detail). Re-export the \(role) from the original.")
        case .unsupported:
            return Finding(.block, "\(subject).unsupported", "\(path) \(error.detail).")
        }
    }
}
