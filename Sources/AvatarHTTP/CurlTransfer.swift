import CCurl
import Foundation

/// One HTTP exchange: the owner of one libcurl easy handle, its header list, its error
/// buffer, the upload source and the body sink.
///
/// Configured on the caller's thread, then handed to the `CurlEngine`; from then until the
/// engine completes it, only the engine's thread touches it (libcurl calls the callbacks
/// below from `curl_multi_perform`). After completion the caller reads the outcome. The
/// callbacks find the transfer through an unretained pointer: the engine holds it for as
/// long as libcurl may call them.
final class CurlTransfer: @unchecked Sendable {
    struct Settings {
        var userAgent: String
        /// Ask for compressed answers and let libcurl decode them. Off for downloads:
        /// their byte ranges count bytes of the file, not of a compressed form of it.
        var decodesContent: Bool
        /// Ask for the body from this byte on ("Range: bytes=N-"); 0 for all of it.
        var rangeStart: Int64 = 0
        /// Knows the secrets of this request.
        var redactor: Redactor
        var trace: (@Sendable (String) -> Void)?
    }

    let handle: UnsafeMutableRawPointer
    let sink: any BodySink
    private let source: UploadSource?
    private let settings: Settings
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?

    // Filled in by the callbacks on the engine's thread.
    private var headerParser = ResponseHeaderParser()
    private var failure: TransferFailure?
    private var bodyBegun = false

    // Completion. `cancelRequested` is guarded by the engine's lock.
    var continuation: CheckedContinuation<Void, Never>?
    var cancelRequested = false
    private(set) var result = CURLE_OK
    private(set) var wasCancelled = false

    init(request: HTTPRequest, sink: any BodySink, settings: Settings) throws {
        CurlGlobal.initialize()
        let hasBody: Bool
        if case .none = request.body { hasBody = false } else { hasBody = true }
        // GET and HEAD go without a body; every other method sends one, if only an empty one,
        // so that libcurl never falls back to reading stdin.
        source = hasBody || (request.method != .get && request.method != .head) ? try UploadSource(request.body) : nil
        guard let handle = curl_easy_init() else {
            throw TransferFailure(kind: .other, detail: "curl_easy_init failed")
        }
        self.handle = handle
        self.sink = sink
        self.settings = settings
        errorBuffer = .allocate(capacity: swift_CURL_ERROR_SIZE)
        errorBuffer.initialize(repeating: 0, count: swift_CURL_ERROR_SIZE)
        try configure(request)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: - Configuration

    private func configure(_ request: HTTPRequest) throws {
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_NOSIGNAL, 1)
        // libcurl's defaults, stated so that no one wonders: certificates are always checked.
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_USERAGENT, settings.userAgent)
        if settings.decodesContent { try set(CURLOPT_ACCEPT_ENCODING, "") }

        let timeouts = request.timeouts
        try set(CURLOPT_CONNECTTIMEOUT_MS, timeouts.connect.wholeMilliseconds)
        try set(CURLOPT_LOW_SPEED_LIMIT, max(1, timeouts.lowSpeedLimit))
        try set(CURLOPT_LOW_SPEED_TIME, max(1, (timeouts.lowSpeedTime.wholeMilliseconds + 999) / 1000))
        if let total = timeouts.total { try set(CURLOPT_TIMEOUT_MS, max(1, total.wholeMilliseconds)) }

        let carriesCredential = request.headers.contains { settings.redactor.isSecret(header: $0.name) }
        let follows = request.followsRedirects && !carriesCredential
        try set(CURLOPT_FOLLOWLOCATION, follows ? 1 : 0)
        if follows { try set(CURLOPT_MAXREDIRS, 5) }
        if !request.reusesConnection { try set(CURLOPT_FRESH_CONNECT, 1) }
        if settings.rangeStart > 0 { try set(CURLOPT_RANGE, "\(settings.rangeStart)-") }

        try configureMethod(request.method)
        try configureHeaders(request)
        try configureCallbacks()
    }

    private func configureMethod(_ method: HTTPMethod) throws {
        guard let source else {
            if method == .head {
                try set(CURLOPT_NOBODY, 1)
            } else {
                try set(CURLOPT_HTTPGET, 1)
                if method != .get { try set(CURLOPT_CUSTOMREQUEST, method.rawValue) }
            }
            return
        }
        if method == .put {
            try set(CURLOPT_UPLOAD, 1)
            try set(CURLOPT_INFILESIZE_LARGE, offset: source.length)
        } else {
            try set(CURLOPT_POST, 1)
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: source.length)
            if method != .post { try set(CURLOPT_CUSTOMREQUEST, method.rawValue) }
        }
    }

    private func configureHeaders(_ request: HTTPRequest) throws {
        var lines: [String] = []
        for field in request.headers {
            // Bytes, not Characters: "\r\n" is a single Character.
            let breaksLine: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
            guard !field.name.isEmpty,
                  !field.name.utf8.contains(where: { breaksLine($0) || $0 == UInt8(ascii: ":") || $0 == 0x20 || $0 == 0x09 }),
                  !field.value.utf8.contains(where: breaksLine)
            else {
                throw TransferFailure(kind: .invalidRequest, detail: "header \"\(field.name.prefix(40))\" is not a valid header field")
            }
            // "Name;" is libcurl's way to send a header with an empty value.
            lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        // Without a Content-Type, libcurl would call a POST body a submitted form.
        if source != nil, request.method != .put, !request.headers.contains("Content-Type") {
            lines.append("Content-Type:")
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw TransferFailure(kind: .other, detail: "curl_slist_append failed")
            }
            headerList = list
        }
        if let headerList { try set(CURLOPT_HTTPHEADER, list: headerList) }
    }

    private func configureCallbacks() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()

        try check(curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            transfer.headerParser.consume(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }, "CURLOPT_HEADERFUNCTION")
        try set(CURLOPT_HEADERDATA, pointer: context)

        try check(curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context else { return swift_CURL_WRITEFUNC_ERROR }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.receive(UnsafeRawBufferPointer(start: data, count: size * count))
        }, "CURLOPT_WRITEFUNCTION")
        try set(CURLOPT_WRITEDATA, pointer: context)

        if source != nil {
            try check(curl_setopt_data_callback(handle, CURLOPT_READFUNCTION) { data, size, count, context in
                guard let context else { return swift_CURL_READFUNC_ABORT }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.send(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
            }, "CURLOPT_READFUNCTION")
            try set(CURLOPT_READDATA, pointer: context)

            try check(curl_setopt_seek_callback(handle) { context, offset, origin in
                guard let context, origin == SEEK_SET else { return swift_CURL_SEEKFUNC_CANTSEEK }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.source?.rewind(to: Int64(offset)) == true ? swift_CURL_SEEKFUNC_OK : swift_CURL_SEEKFUNC_CANTSEEK
            }, "CURLOPT_SEEKFUNCTION")
            try set(CURLOPT_SEEKDATA, pointer: context)
        }

        if settings.trace != nil {
            try check(curl_setopt_debug_callback(handle) { _, type, data, size, context in
                guard let context, let data else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                transfer.traceCurl(type, UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }, "CURLOPT_DEBUGFUNCTION")
            try set(CURLOPT_DEBUGDATA, pointer: context)
            try set(CURLOPT_VERBOSE, 1)
        }
    }

    // MARK: - Callbacks (engine thread)

    private func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        do {
            try beginBodyIfNeeded()
            try sink.write(bytes)
            return bytes.count
        } catch {
            keep(error)
            return swift_CURL_WRITEFUNC_ERROR
        }
    }

    private func send(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let source else { return 0 }
        do {
            return try source.read(into: buffer)
        } catch {
            keep(error)
            return swift_CURL_READFUNC_ABORT
        }
    }

    /// The sink learns the final status and headers once, before the first byte of the body
    /// (or, for an answer without a body, when the transfer ends).
    private func beginBodyIfNeeded() throws {
        guard !bodyBegun else { return }
        bodyBegun = true
        var status = 0
        _ = curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        try sink.begin(status: status, headers: headerParser.headers)
    }

    private func keep(_ error: any Error) {
        guard failure == nil else { return }
        failure = error as? TransferFailure ?? TransferFailure(kind: .other, detail: String(describing: error))
    }

    /// libcurl's verbose lines, redacted: request and response headers and its own notes.
    /// Bodies are left out; they can be large and can carry secrets of their own.
    private func traceCurl(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        guard let trace = settings.trace else { return }
        let prefix: String
        switch type {
        case CURLINFO_TEXT: prefix = "* "
        case CURLINFO_HEADER_IN: prefix = "< "
        case CURLINFO_HEADER_OUT: prefix = "> "
        default: return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
            trace(prefix + settings.redactor.text(String(line)))
        }
    }

    // MARK: - Completion

    /// Called once by the engine when libcurl is done with the handle, or when it was
    /// cancelled before or during the transfer.
    func complete(_ result: CURLcode, cancelled: Bool) {
        self.result = result
        wasCancelled = cancelled
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume()
    }

    struct Report {
        var result: CURLcode
        var cancelled: Bool
        var failure: TransferFailure?
        var status: Int
        var headers: HTTPHeaders
        var httpVersion: HTTPVersion
        var effectiveURL: String?
        var requestSent: Bool
        /// libcurl's error buffer, or its text for the code; not yet redacted.
        var curlMessage: String
    }

    /// What happened, read after completion.
    func report() -> Report {
        if result == CURLE_OK, !wasCancelled, failure == nil {
            do { try beginBodyIfNeeded() } catch { keep(error) }
        }
        var status = 0
        _ = curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = curl_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        var requestSize = 0
        _ = curl_getinfo_long(handle, CURLINFO_REQUEST_SIZE, &requestSize)
        var uploaded: curl_off_t = 0
        _ = curl_getinfo_off(handle, CURLINFO_SIZE_UPLOAD_T, &uploaded)
        var url: UnsafeMutablePointer<CChar>?
        _ = curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &url)
        let buffered = String(cString: errorBuffer)
        return Report(
            result: result, cancelled: wasCancelled, failure: failure, status: status,
            headers: headerParser.headers, httpVersion: HTTPVersion(curl: version),
            effectiveURL: url.map { String(cString: $0) },
            requestSent: requestSize > 0 || uploaded > 0,
            curlMessage: buffered.isEmpty ? String(cString: curl_easy_strerror(result)) : buffered)
    }

    // MARK: - Typed setopt

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(curl_setopt_long(handle, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(curl_setopt_string(handle, option, value), option)  // libcurl copies strings
    }

    private func set(_ option: CURLoption, offset value: Int64) throws {
        try check(curl_setopt_off(handle, option, curl_off_t(value)), option)
    }

    private func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer) throws {
        try check(curl_setopt_pointer(handle, option, value), option)
    }

    private func set(_ option: CURLoption, list value: UnsafeMutablePointer<curl_slist>) throws {
        try check(curl_setopt_slist(handle, option, value), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        try check(code, "curl option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else {
            throw TransferFailure(kind: .invalidRequest, detail: "\(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// Collects the header fields of the final answer from libcurl's header callback, which
/// also sees interim answers (100 Continue), redirects and proxy CONNECT answers: each new
/// status line starts over.
struct ResponseHeaderParser {
    private(set) var headers = HTTPHeaders()

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            return
        }
        guard let first = line.first, !first.isWhitespace,  // an obsolete folded line: ignored
              let colon = line.firstIndex(of: ":"), colon > line.startIndex
        else { return }
        headers.add(String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }
}

extension HTTPVersion {
    init(curl version: Int) {
        switch version {
        case Int(CURL_HTTP_VERSION_1_0): self = .http1_0
        case Int(CURL_HTTP_VERSION_1_1): self = .http1_1
        case Int(CURL_HTTP_VERSION_2_0): self = .http2
        case Int(CURL_HTTP_VERSION_3): self = .http3
        default: self = .unknown
        }
    }
}

extension Duration {
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
