import CFFmpeg
import Foundation
import Synchronization

/// FFmpeg's log output, kept instead of printed: the last warning or error each context
/// logged is attached to the error thrown for that context. `--verbose` forwards lines to
/// stderr. The callback runs on FFmpeg's own threads too, so all state is behind a lock.
public enum FFmpegLog {
    private struct Remembered {
        var lines: [Int: String] = [:]
        var order: [Int] = []
    }

    private static let remembered = Mutex(Remembered())
    fileprivate static let echoLevel = Atomic<Int32>(swift_AV_LOG_QUIET)
    private static let maxRemembered = 64

    /// Installs the callback; FFmpeg then prints nothing by itself.
    public static func install() {
        _ = installed
    }

    private static let installed: Bool = {
        av_log_set_callback(logCallback)
        return true
    }()

    public enum Level: Sendable {
        case quiet, error, warning, info, debug

        var ffmpegValue: Int32 {
            switch self {
            case .quiet: return swift_AV_LOG_QUIET
            case .error: return swift_AV_LOG_ERROR
            case .warning: return swift_AV_LOG_WARNING
            case .info: return swift_AV_LOG_INFO
            case .debug: return swift_AV_LOG_DEBUG
            }
        }
    }

    /// Lines at least as severe as `level` are also written to stderr (`--verbose`).
    public static func echo(_ level: Level) {
        install()
        echoLevel.store(level.ffmpegValue, ordering: .relaxed)
    }

    static func lastLine(for context: UnsafeRawPointer?) -> String? {
        guard let context else { return nil }
        let key = Int(bitPattern: context)
        return remembered.withLock { $0.lines[key] }
    }

    static func forget(_ context: UnsafeRawPointer?) {
        guard let context else { return }
        let key = Int(bitPattern: context)
        remembered.withLock { state in
            if state.lines.removeValue(forKey: key) != nil {
                state.order.removeAll { $0 == key }
            }
        }
    }

    fileprivate static func record(context: UnsafeMutableRawPointer?, level: Int32, line: String) {
        if level <= swift_AV_LOG_WARNING, let context {
            let key = Int(bitPattern: context)
            remembered.withLock { state in
                if state.lines.updateValue(line, forKey: key) == nil {
                    state.order.append(key)
                    if state.order.count > maxRemembered {
                        state.lines.removeValue(forKey: state.order.removeFirst())
                    }
                }
            }
        }
        if level <= echoLevel.load(ordering: .relaxed) {
            FileHandle.standardError.write(Data(("ffmpeg: " + line + "\n").utf8))
        }
    }
}

private let logCallback: swift_av_log_callback = { context, level, format, arguments in
    // FFmpeg calls the callback for every level, debug included; format only what is kept.
    guard level <= swift_AV_LOG_WARNING || level <= FFmpegLog.echoLevel.load(ordering: .relaxed),
          let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 1024)
    var printPrefix: Int32 = 1
    _ = av_log_format_line2(context, level, format, arguments, &buffer, Int32(buffer.count), &printPrefix)
    let line = String(nulTerminated: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !line.isEmpty else { return }
    FFmpegLog.record(context: context, level: level, line: line)
}
