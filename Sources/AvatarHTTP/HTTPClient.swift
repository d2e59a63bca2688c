import CCurl
import Foundation

/// An HTTP client over libcurl. Every transfer runs on the `CurlEngine`'s thread; the
/// async functions here only wait for it.
///
/// `send` keeps the answer in memory; `download` streams it to a file and can resume. An
/// HTTP status is an answer, returned as it is, with two exceptions that throw
/// `HTTPError(kind: .status)`: a download that does not get a 2xx, and, under
/// `RetryPolicy.submit`, a 5xx that leaves open whether paid work was started.
/// Nothing is retried unless a `RetryPolicy` says so.
public struct HTTPClient: Sendable {
    public var redactor: Redactor
    public var userAgent: String
    /// Called with each line of a verbose trace (libcurl's notes, request and response
    /// headers, retries), redacted, on the engine's thread or the caller's. Keep it quick.
    public var trace: (@Sendable (String) -> Void)?

    public init(redactor: Redactor = Redactor(), userAgent: String = "avatarpipe",
                trace: (@Sendable (String) -> Void)? = nil) {
        self.redactor = redactor
        self.userAgent = userAgent
        self.trace = trace
    }

    /// Sends the request and returns the answer, its body in memory (up to
    /// `request.maxResponseBytes`).
    public func send(_ request: HTTPRequest, retry policy: RetryPolicy = .never) async throws -> HTTPResponse {
        let request = request.prepared(for: policy)
        let redactor = self.redactor.knowing(request)
        var (response, retries) = try await retrying(request, policy: policy, redactor: redactor,
                                                       answer: { (response: HTTPResponse) -> HTTPResponse? in response }) {
            let sink = MemorySink(limit: request.maxResponseBytes)
            let report = try await perform(request, sink: sink, decodesContent: true, rangeStart: 0, redactor: redactor)
            if let error = HTTPError(report: report, request: request, redactor: redactor) { throw error }
            let response = HTTPResponse(status: report.status, headers: report.headers, body: sink.data,
                                        httpVersion: report.httpVersion, url: report.effectiveURL ?? request.url)
            if policy.mode == .submit, HTTPError.statusLeavesOutcomeOpen(response.status) {
                throw HTTPError(kind: .status(response.status), method: request.method.rawValue,
                                url: redactor.url(request.url), requestSent: true,
                                detail: "the request may have been accepted; check before sending it again",
                                response: response.redacted(by: redactor))
            }
            return response
        }
        response.retries = retries
        return response
    }

    /// Streams the answer's body into the file at `path`.
    ///
    /// With `offset` > 0 the file's first `offset` bytes are kept (anything after them is
    /// cut off) and only the rest is asked for, with a Range request. A 206 must start at
    /// `offset` and run to the end; a 200 rewrites the file from its start; a 416 whose
    /// `Content-Range` says the resource has exactly `offset` bytes means the file is
    /// complete. A retry after a lost connection resumes the same way from the bytes
    /// written, with `If-Range` so that a changed resource is fetched whole.
    /// `progress` is called on the engine's thread; keep it quick.
    public func download(_ request: HTTPRequest, to path: String, resumingFrom offset: Int64 = 0,
                         retry policy: RetryPolicy = .never,
                         progress: (@Sendable (DownloadProgress) -> Void)? = nil) async throws -> DownloadResult {
        let request = request.prepared(for: policy)
        let redactor = self.redactor.knowing(request)
        var offset = offset
        var validator: String?
        var restartedEarlier = false
        var (result, retries) = try await retrying(request, policy: policy, redactor: redactor, answer: { _ in nil }) {
            var request = request
            if offset > 0, let validator, !request.headers.contains("If-Range") {
                request.headers.set("If-Range", validator)
            }
            let sink: FileSink
            do {
                sink = try FileSink(path: path, offset: offset, progress: progress)
            } catch let failure as TransferFailure {
                throw HTTPError(failure: failure, request: request, redactor: redactor)
            }
            let report = try await perform(request, sink: sink, decodesContent: false, rangeStart: offset, redactor: redactor)
            offset = sink.position
            restartedEarlier = restartedEarlier || sink.restarted
            if sink.writesToFile { validator = HTTPClient.validator(in: report.headers) }
            if let error = HTTPError(report: report, request: request, redactor: redactor) { throw error }

            let response = HTTPResponse(status: report.status, headers: report.headers,
                                        body: sink.writesToFile ? Data() : sink.errorBody,
                                        httpVersion: report.httpVersion, url: report.effectiveURL ?? request.url)
            if report.status == 416, sink.requestedOffset > 0,
               let range = ContentRange(report.headers["Content-Range"]), range.first == nil,
               range.total == sink.requestedOffset {
                return DownloadResult(response: response, path: path, size: sink.position,
                                      resumedFrom: sink.requestedOffset, restarted: restartedEarlier)
            }
            guard response.isSuccess else {
                throw HTTPError(kind: .status(response.status), method: request.method.rawValue,
                                url: redactor.url(request.url), requestSent: true,
                                response: response.redacted(by: redactor))
            }
            if let total = sink.total, sink.position != total {
                throw HTTPError(kind: .invalidResponse, method: request.method.rawValue, url: redactor.url(request.url),
                                requestSent: true, detail: "the body ended at byte \(sink.position) of \(total)")
            }
            return DownloadResult(response: response, path: path, size: sink.position,
                                  resumedFrom: sink.restarted ? 0 : sink.requestedOffset, restarted: restartedEarlier)
        }
        result.response.retries = retries
        return result
    }

    // MARK: - Attempts

    private func perform(_ request: HTTPRequest, sink: any BodySink, decodesContent: Bool, rangeStart: Int64,
                         redactor: Redactor) async throws -> CurlTransfer.Report {
        let settings = CurlTransfer.Settings(userAgent: userAgent, decodesContent: decodesContent, rangeStart: rangeStart,
                                             redactor: redactor, trace: trace)
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(request: request, sink: sink, settings: settings)
        } catch let failure as TransferFailure {
            throw HTTPError(failure: failure, request: request, redactor: redactor)
        }
        guard let engine = CurlEngine.shared else {
            throw HTTPError(failure: TransferFailure(kind: .other, detail: "curl_multi_init failed"),
                            request: request, redactor: redactor)
        }
        await engine.perform(transfer)
        return transfer.report()
    }

    /// Runs `attempt` until it gives an answer the policy does not retry, an error the
    /// policy does not retry, or the attempts run out. `answer` says which response a
    /// successful attempt got, if its status may call for a retry.
    private func retrying<Value>(_ request: HTTPRequest, policy: RetryPolicy, redactor: Redactor,
                                 answer: (Value) -> HTTPResponse?,
                                 attempt: () async throws -> Value) async throws -> (Value, [RetryRecord]) {
        var retries: [RetryRecord] = []
        var number = 1
        while true {
            let reason: RetryRecord.Reason
            let retryAfter: String?
            do {
                if Task.isCancelled {
                    throw HTTPError(kind: .cancelled, method: request.method.rawValue, url: redactor.url(request.url),
                                    requestSent: false)
                }
                let value = try await attempt()
                guard let response = answer(value), number < policy.maxAttempts, policy.retries(status: response.status)
                else { return (value, retries) }
                reason = .status(response.status)
                retryAfter = RetryPolicy.retryAfter(in: response.headers)
            } catch var error as HTTPError {
                guard number < policy.maxAttempts, policy.retries(error) else {
                    error.retries = retries
                    throw error
                }
                if case .status(let status) = error.kind { reason = .status(status) } else { reason = .failure(error.kind) }
                retryAfter = error.response.flatMap { RetryPolicy.retryAfter(in: $0.headers) }
            }
            let delay = policy.delay(beforeRetry: retries.count + 1, retryAfter: retryAfter)
            retries.append(RetryRecord(attempt: number, reason: reason, delay: delay))
            trace?("retrying \(request.method) \(redactor.url(request.url)) after \(reason), in \(delay) "
                + "(attempt \(number + 1) of \(policy.maxAttempts))")
            do {
                try await policy.sleep(delay)
            } catch {
                throw HTTPError(kind: .cancelled, method: request.method.rawValue, url: redactor.url(request.url),
                                requestSent: false, retries: retries)
            }
            number += 1
        }
    }

    /// A strong ETag, else Last-Modified: what `If-Range` may carry.
    public static func validator(in headers: HTTPHeaders) -> String? {
        if let etag = headers["ETag"], !etag.hasPrefix("W/") { return etag }
        return headers["Last-Modified"]
    }
}

extension HTTPResponse {
    func redacted(by redactor: Redactor) -> HTTPResponse {
        var copy = self
        copy.url = redactor.url(url)
        return copy
    }
}

extension HTTPError {
    init(failure: TransferFailure, request: HTTPRequest, redactor: Redactor) {
        self.init(kind: failure.kind, method: request.method.rawValue, url: redactor.url(request.url),
                  requestSent: false, detail: redactor.text(failure.detail))
    }

    /// The error of a finished transfer, or nil if it got an answer.
    init?(report: CurlTransfer.Report, request: HTTPRequest, redactor: Redactor) {
        let method = request.method.rawValue, url = redactor.url(request.url)
        if report.cancelled {
            self.init(kind: .cancelled, method: method, url: url, requestSent: report.requestSent)
        } else if let failure = report.failure {
            self.init(kind: failure.kind, method: method, url: url, requestSent: report.requestSent,
                      detail: redactor.text(failure.detail))
        } else if report.result != CURLE_OK {
            self.init(kind: HTTPError.kind(for: report.result, requestSent: report.requestSent), method: method, url: url,
                      requestSent: report.requestSent, curlCode: Int(report.result.rawValue),
                      curlMessage: redactor.text(report.curlMessage))
        } else {
            return nil
        }
    }

    /// What a libcurl result code means for the caller. A connection that failed before
    /// anything was sent is `.cannotConnect` whatever the code: that is what decides
    /// whether a paid request may be sent again.
    static func kind(for code: CURLcode, requestSent: Bool) -> Kind {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_NOT_BUILT_IN,
             CURLE_FAILED_INIT:
            return .invalidRequest
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
            return .cannotConnect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_USE_SSL_FAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            return .tls
        case CURLE_OPERATION_TIMEDOUT:
            return requestSent ? .timedOut : .cannotConnect
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
             CURLE_HTTP3, CURLE_QUIC_CONNECT_ERROR, CURLE_PROXY:
            return requestSent ? .connectionLost : .cannotConnect
        case CURLE_FILESIZE_EXCEEDED:
            return .bodyTooLarge
        case CURLE_WEIRD_SERVER_REPLY, CURLE_TOO_MANY_REDIRECTS, CURLE_BAD_CONTENT_ENCODING, CURLE_RANGE_ERROR:
            return .invalidResponse
        case CURLE_READ_ERROR, CURLE_WRITE_ERROR:
            return .file
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        default:
            return .other
        }
    }
}

extension HTTPRequest {
    /// A submit (a POST that may start something paid) goes out on a fresh connection and
    /// follows no redirect, whichever method carries it (`send` or a synchronous `download`):
    /// a reused connection that dies mid-request, or a redirect replayed, could submit twice.
    func prepared(for policy: RetryPolicy) -> HTTPRequest {
        guard policy.mode == .submit else { return self }
        var request = self
        request.reusesConnection = false
        request.followsRedirects = false
        return request
    }
}
