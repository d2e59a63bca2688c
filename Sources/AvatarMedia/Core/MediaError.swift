import CFFmpeg

/// A failed FFmpeg call: which call, its code, FFmpeg's message for the code, the file it
/// was working on and the last line FFmpeg logged for that file (often the real reason).
public struct FFmpegError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public let message: String
    public let path: String?
    public let logLine: String?

    public init(call: String, code: Int32, path: String? = nil, logLine: String? = nil) {
        self.call = call
        self.code = code
        self.message = FFmpegError.describe(code)
        self.path = path
        self.logLine = logLine
    }

    public var isEndOfFile: Bool { code == swift_AVERROR_EOF }
    /// A decoder's answer to damaged input. Decoders answer bad data with many codes
    /// (invalid data, "patch welcome", a bare -1, even unlisted numbers from the AAC decoder),
    /// so any failure of a decode call other than out-of-memory or misuse counts.
    public var isDamagedData: Bool {
        // (EOF and EAGAIN never get here: `Decoder` answers them itself.)
        code != swift_AVERROR(ENOMEM) && code != swift_AVERROR(EINVAL)
    }

    public var description: String {
        var text = path.map { "\($0): " } ?? ""
        text += "\(call) failed: \(message) (\(code))"
        if let logLine, !logLine.isEmpty { text += "; FFmpeg said: \(logLine)" }
        return text
    }

    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(AV_ERROR_MAX_STRING_SIZE))
        if av_strerror(code, &buffer, buffer.count) < 0 { return "unknown error" }
        return String(nulTerminated: buffer)
    }
}

/// A problem with a media file that is not a failed FFmpeg call: the file is missing, empty,
/// not media at all, too large to decode safely, or incomplete.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case notFound, notAFile, empty, unreadable, unrecognized, noStream
        case tooLarge, truncated, corrupt, unsupported
    }

    public let kind: Kind
    public let path: String
    public let detail: String

    public init(_ kind: Kind, path: String, _ detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    /// The file could not be read as media at all (as opposed to media that is damaged).
    public var isUnreadableInput: Bool {
        switch kind {
        case .notFound, .notAFile, .empty, .unreadable, .unrecognized: return true
        default: return false
        }
    }

    public var description: String { "\(path): \(detail)" }
}

/// Throws an `FFmpegError` when an FFmpeg return code is negative; returns it otherwise.
@discardableResult
func ffcheck(_ code: Int32, _ call: String, path: String? = nil, context: UnsafeRawPointer? = nil) throws -> Int32 {
    if code >= 0 { return code }
    throw FFmpegError(call: call, code: code, path: path, logLine: FFmpegLog.lastLine(for: context))
}
