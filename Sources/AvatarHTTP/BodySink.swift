import Foundation

/// Where the body of an answer goes. Called on the engine's thread, inside libcurl's
/// callbacks; a thrown `TransferFailure` aborts the transfer and is reported after it.
protocol BodySink: AnyObject {
    /// The final answer's status line and headers are known; the body follows.
    func begin(status: Int, headers: HTTPHeaders) throws
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Keeps the body in memory, up to a limit.
final class MemorySink: BodySink {
    private(set) var data = Data()
    let limit: Int64

    init(limit: Int64) {
        self.limit = limit
    }

    func begin(status: Int, headers: HTTPHeaders) throws {
        data.removeAll()
        // A HEAD answer announces a length it does not send: reserve little on its word.
        if let length = headers["Content-Length"].flatMap({ Int64($0) }), length > 0 {
            data.reserveCapacity(Int(min(length, limit, 1 << 20)))
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(data.count) + Int64(bytes.count) <= limit else {
            throw TransferFailure(kind: .bodyTooLarge, detail: "the body is larger than the limit of \(limit) bytes")
        }
        data.append(contentsOf: bytes)
    }
}

/// Where the body of an upload comes from: memory or a file read in pieces, rewindable
/// because libcurl may need to send it again (a redirect, a refused HTTP/2 stream).
final class UploadSource {
    private enum Origin {
        case memory(Data)
        case file(descriptor: Int32, path: String)
    }

    private let origin: Origin
    let length: Int64
    private var position: Int64 = 0

    init(_ body: HTTPRequest.Body) throws {
        switch body {
        case .none:
            origin = .memory(Data())
            length = 0
        case .data(let data):
            origin = .memory(data)
            length = Int64(data.count)
        case .file(let path, let declared):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw TransferFailure(kind: .file, detail: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
                close(descriptor)
                throw TransferFailure(kind: .file, detail: "\(path) is not a regular file")
            }
            let size = Int64(status.st_size)
            if let declared, declared > size || declared < 0 {
                close(descriptor)
                throw TransferFailure(kind: .file, detail: "\(path) has \(size) bytes, fewer than the \(declared) to send")
            }
            origin = .file(descriptor: descriptor, path: path)
            length = declared ?? size
        }
    }

    deinit {
        if case .file(let descriptor, _) = origin { close(descriptor) }
    }

    /// Fills `buffer` with the next bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = Int(min(Int64(buffer.count), length - position))
        guard wanted > 0, let base = buffer.baseAddress else { return 0 }
        switch origin {
        case .memory(let data):
            let start = data.startIndex + Int(position)
            data.copyBytes(to: base.assumingMemoryBound(to: UInt8.self), from: start..<start + wanted)
            position += Int64(wanted)
            return wanted
        case .file(let descriptor, let path):
            while true {
                let count = pread(descriptor, base, wanted, off_t(position))
                if count > 0 {
                    position += Int64(count)
                    return count
                }
                if count == 0 {
                    throw TransferFailure(kind: .file, detail: "\(path) ended after \(position) of \(length) bytes")
                }
                if errno != EINTR {
                    throw TransferFailure(kind: .file, detail: "cannot read \(path): \(String(cString: strerror(errno)))")
                }
            }
        }
    }

    func rewind(to offset: Int64) -> Bool {
        guard offset >= 0, offset <= length else { return false }
        position = offset
        return true
    }
}
