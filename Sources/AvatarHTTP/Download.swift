import Foundation

/// How far a download has come: bytes in the file (a resumed part included) and the size
/// of the whole, when the server said.
public struct DownloadProgress: Sendable, Equatable {
    public var bytes: Int64
    public var total: Int64?

    public init(bytes: Int64, total: Int64?) {
        self.bytes = bytes
        self.total = total
    }
}

public struct DownloadResult: Sendable {
    /// The last answer: status (200, 206, or 416 for a file that was complete already),
    /// headers, version, URL and the retries; its body is the file, not here.
    public var response: HTTPResponse
    public var path: String
    /// Bytes in the file: the whole resource.
    public var size: Int64
    /// Where the request that finished the file started: 0 when it fetched everything.
    public var resumedFrom: Int64
    /// A range request was answered with the whole resource (200) and the file was
    /// rewritten from its first byte.
    public var restarted: Bool
}

/// `Content-Range: bytes 100-299/300`, or `bytes */300` on a 416.
struct ContentRange: Equatable {
    var first: Int64?
    var last: Int64?
    var total: Int64?
}

extension ContentRange {
    init?(_ value: String?) {
        guard let value, value.hasPrefix("bytes ") else { return nil }
        let spec = value.dropFirst("bytes ".count).trimmingCharacters(in: .whitespaces)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        if halves[1] == "*" {
            total = nil
        } else {
            guard let total = Int64(halves[1]), total >= 0 else { return nil }
            self.total = total
        }
        if halves[0] == "*" {
            guard total != nil else { return nil }
            return
        }
        let ends = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let first = Int64(ends[0]), let last = Int64(ends[1]), first <= last else { return nil }
        if let total, last >= total { return nil }
        self.first = first
        self.last = last
    }
}

/// Writes a 2xx body into a file at the resume point; keeps a small part of any other
/// answer's body in memory instead, so that an error page never lands in the file.
///
/// On a range request a 206 must be for exactly the bytes asked (from the resume point to
/// the end) or the transfer fails as `.invalidResponse`; a 200 means the server sent the
/// whole resource, and the file starts over from byte 0.
final class FileSink: BodySink {
    static let errorBodyLimit = 64 << 10

    let path: String
    let requestedOffset: Int64
    private let descriptor: Int32
    private let progress: (@Sendable (DownloadProgress) -> Void)?
    private(set) var position: Int64
    private(set) var total: Int64?
    private(set) var restarted = false
    private(set) var writesToFile = false
    private(set) var errorBody = Data()

    init(path: String, offset: Int64, progress: (@Sendable (DownloadProgress) -> Void)?) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TransferFailure(kind: .file, detail: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            throw TransferFailure(kind: .file, detail: "cannot stat \(path): \(String(cString: strerror(errno)))")
        }
        guard offset >= 0, Int64(status.st_size) >= offset else {
            close(descriptor)
            throw TransferFailure(kind: .file, detail: "\(path) holds \(status.st_size) bytes; cannot resume from byte \(offset)")
        }
        // Bytes past the resume point were never confirmed: they go.
        guard ftruncate(descriptor, off_t(offset)) == 0 else {
            close(descriptor)
            throw TransferFailure(kind: .file, detail: "cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.path = path
        self.requestedOffset = offset
        self.position = offset
        self.progress = progress
    }

    deinit {
        close(descriptor)
    }

    func begin(status: Int, headers: HTTPHeaders) throws {
        switch status {
        case 206:
            guard let range = ContentRange(headers["Content-Range"]), let first = range.first, let last = range.last,
                  first == requestedOffset, range.total.map({ last + 1 == $0 }) ?? true
            else {
                throw TransferFailure(kind: .invalidResponse,
                                      detail: "asked for bytes \(requestedOffset)- but the 206 says \"\(headers["Content-Range"] ?? "")\"")
            }
            total = range.total
            writesToFile = true
        case 200..<300:
            if position > 0 {
                guard ftruncate(descriptor, 0) == 0 else {
                    throw TransferFailure(kind: .file, detail: "cannot truncate \(path): \(String(cString: strerror(errno)))")
                }
                position = 0
                restarted = true
            }
            total = headers["Content-Length"].flatMap { Int64($0) }
            writesToFile = true
        default:
            writesToFile = false
        }
        if writesToFile { progress?(DownloadProgress(bytes: position, total: total)) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard writesToFile else {
            let room = max(0, FileSink.errorBodyLimit - errorBody.count)
            errorBody.append(contentsOf: bytes.prefix(room))
            return
        }
        var done = 0
        while done < bytes.count, let base = bytes.baseAddress {
            let count = pwrite(descriptor, base + done, bytes.count - done, off_t(position))
            if count < 0 {
                if errno == EINTR { continue }
                throw TransferFailure(kind: .file, detail: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += count
            position += Int64(count)
        }
        progress?(DownloadProgress(bytes: position, total: total))
    }
}
