import AvatarHTTP
import Foundation

/// A submitted render: what the service answered, as the client must keep it.
public struct Submission: Codable, Sendable, Equatable {
    public var requestID: String
    public var statusURL: String
    public var responseURL: String
    public var pollURL: String?
    public var submittedAt: Date

    public init(requestID: String, statusURL: String, responseURL: String, pollURL: String?, submittedAt: Date) {
        self.requestID = requestID
        self.statusURL = statusURL
        self.responseURL = responseURL
        self.pollURL = pollURL
        self.submittedAt = submittedAt
    }

    enum CodingKeys: String, CodingKey {
        case requestID = "requestId", statusURL = "statusUrl", responseURL = "responseUrl", pollURL = "pollUrl", submittedAt
    }

    /// The service keeps results one hour after submission.
    public var expiresAt: Date { submittedAt.addingTimeInterval(3600) }
}

/// The service's view of a render.
public enum ServiceState: Sendable, Equatable {
    case queued, processing
    case completed
    case failed(reason: String)
    /// The request is unknown or its result has expired (404).
    case gone(String)

    public var name: String {
        switch self {
        case .queued: return "QUEUED"
        case .processing: return "PROCESSING"
        case .completed: return "COMPLETED"
        case .failed: return "FAILED"
        case .gone: return "GONE"
        }
    }

    public var isTerminal: Bool {
        switch self {
        case .queued, .processing: return false
        default: return true
        }
    }
}

/// The HeyGen Avatar IV API on Segmind, as DESIGN.md describes it: submit (v2 async, or v1
/// sync), poll, fetch the result, download; the balance. It only translates HTTP into
/// these calls and the service's answers into `RenderError`s: the money rules (journal
/// first, never submit twice) are the job runner's.
public struct SegmindClient: Sendable {
    public let endpoint: ServiceEndpoint
    public var http: HTTPClient
    public var submitRetry: RetryPolicy = .submit(maxAttempts: 4)
    public var readRetry: RetryPolicy = .idempotent(maxAttempts: 5)
    /// Every JSON call ends within a minute, whatever the server does.
    public var timeouts = HTTPTimeouts(connect: .seconds(15), lowSpeedLimit: 1, lowSpeedTime: .seconds(30), total: .seconds(60))
    /// A download may take long but must keep moving; it ends within the result's lifetime.
    public var downloadTimeouts = HTTPTimeouts(connect: .seconds(15), lowSpeedLimit: 1, lowSpeedTime: .seconds(60), total: .seconds(3600))
    /// The synchronous call holds the connection for the whole render.
    public var syncTimeouts = HTTPTimeouts(connect: .seconds(15), lowSpeedLimit: 1, lowSpeedTime: .seconds(900), total: .seconds(1800))

    public init(endpoint: ServiceEndpoint, http: HTTPClient = HTTPClient()) {
        self.endpoint = endpoint
        self.http = http
    }

    var headers: HTTPHeaders {
        ["x-api-key": endpoint.apiKey, "Accept": "application/json"]
    }

    /// The balance, in credits (USD).
    public func credits() async throws -> Double {
        let response = try await read(HTTPRequest(.get, endpoint.creditsURL, headers: headers, timeouts: timeouts))
        try SegmindClient.requireSuccess(response)
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
           let credits = SegmindClient.number(object["credits"]) {
            return credits
        }
        if let header = response.headers["x-remaining-credits"], let value = Double(header) { return value }
        throw RenderError.invalidAnswer("no credits in the answer of \(endpoint.creditsURL)")
    }

    /// Submits one render (v2). Retried only when the answer proves it was not accepted.
    public func submit(_ parameters: RenderParameters, imageURL: String, audioURL: String?, jobDirectory: String) async throws -> Submission {
        var request = HTTPRequest(.post, endpoint.submitURL, headers: headers, body: .data(try parameters.body(imageURL: imageURL, audioURL: audioURL)),
                                  timeouts: timeouts)
        request.headers.set("Content-Type", "application/json")
        let response: HTTPResponse
        do {
            response = try await http.send(request, retry: submitRetry)
        } catch let error as HTTPError {
            throw SegmindClient.submitFailure(error, jobDirectory: jobDirectory)
        }
        guard (200..<300).contains(response.status) else { throw SegmindClient.failure(response, attempts: response.attempts) }
        // Accepted: from here on a render exists. An answer we cannot read still means that.
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let id = (object["request_id"] as? String) ?? (object["id"] as? String),
              let status = (object["status_url"] as? String) ?? (object["poll_url"] as? String),
              let result = (object["response_url"] as? String) ?? (object["result_url"] as? String) else {
            throw RenderError.maybeSubmitted(detail: "the service accepted the submit (\(response.status)) but its answer has no "
                                             + "request id and URLs: \(RenderError.message(in: response.body))", jobDirectory: jobDirectory)
        }
        return Submission(requestID: id, statusURL: status, responseURL: result, pollURL: object["poll_url"] as? String, submittedAt: Date())
    }

    /// The render's state. Any body naming a terminal state is an answer, whatever the HTTP
    /// status (FAILED comes with 422).
    public func state(of submission: Submission) async throws -> ServiceState {
        let response = try await read(HTTPRequest(.get, try keyed(submission.statusURL), headers: headers, timeouts: timeouts))
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        if let status = (object?["status"] as? String)?.uppercased() {
            switch status {
            case "COMPLETED", "SUCCEEDED", "SUCCESS": return .completed
            case "FAILED", "ERROR", "CANCELLED", "CANCELED":
                return .failed(reason: (object?["error"] as? String) ?? (object?["message"] as? String) ?? "no reason given")
            case "QUEUED", "PENDING", "IN_QUEUE": return .queued
            case "PROCESSING", "RUNNING", "IN_PROGRESS", "STARTED": return .processing
            default: break
            }
        }
        if response.status == 404 || response.status == 410 { return .gone(RenderError.message(in: response.body)) }
        try SegmindClient.requireSuccess(response)
        throw RenderError.invalidAnswer("the status answer names no known state: \(RenderError.message(in: response.body))")
    }

    /// The video's URL from the response URL of a COMPLETED render.
    public func outputURL(of submission: Submission) async throws -> String {
        let response = try await read(HTTPRequest(.get, try keyed(submission.responseURL), headers: headers, timeouts: timeouts))
        if response.status == 404 || response.status == 410 { throw RenderError.expired(requestID: submission.requestID) }
        try SegmindClient.requireSuccess(response)
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let url = SegmindClient.videoURL(in: object["output"]) else {
            throw RenderError.invalidAnswer("the result names no video URL in `output`: \(RenderError.message(in: response.body))")
        }
        return url
    }

    /// Money rule 6: a URL the service hands back gets the key only on the API's or the
    /// storage's origin.
    func keyed(_ url: String) throws -> String {
        guard endpoint.mayCarryKey(url) else { throw RenderError.foreignURL(http.redactor.url(url)) }
        return url
    }

    /// The video's own URL (a CDN, usually) is fetched without the key, over https (or http
    /// on loopback).
    static func checkVideoURL(_ url: String) throws {
        guard let origin = URLOrigin(url), origin.isSecureEnoughForSecrets else {
            throw RenderError.invalidAnswer("the video URL \(url) is not https (plain http is accepted on loopback only)")
        }
    }

    /// The validator (a strong ETag, else Last-Modified) of the video at `url`: a partial
    /// download is continued only while the file behind the URL has the same one.
    public func validator(of url: String) async throws -> String? {
        try SegmindClient.checkVideoURL(url)
        guard let response = try? await http.send(HTTPRequest(.head, url, timeouts: timeouts), retry: readRetry),
              response.isSuccess else { return nil }
        return HTTPClient.validator(in: response.headers)
    }

    /// Downloads the video to `path`, resuming at `offset` (Range, with `ifRange` so that a
    /// changed file is fetched whole). Fetched without the API key: it is a plain storage URL.
    public func download(_ url: String, to path: String, resumingFrom offset: Int64 = 0, ifRange: String? = nil,
                         progress: (@Sendable (DownloadProgress) -> Void)? = nil) async throws -> DownloadResult {
        try SegmindClient.checkVideoURL(url)
        var request = HTTPRequest(.get, url, timeouts: downloadTimeouts)
        if offset > 0, let ifRange { request.headers.set("If-Range", ifRange) }
        do {
            return try await http.download(request, to: path, resumingFrom: offset, retry: .idempotent(maxAttempts: 6), progress: progress)
        } catch let error as HTTPError {
            if case .status(let status) = error.kind, status == 404 || status == 410 || status == 403 {
                throw RenderError.download("\(error.description) (results expire one hour after submission)")
            }
            throw RenderError.download(error.description)
        }
    }

    /// What the synchronous call answered.
    public enum SyncAnswer: Sendable {
        /// The body was the video; it is at the path given.
        case video(requestID: String?)
        /// JSON naming the video's URL (not yet downloaded).
        case url(String, requestID: String?)

        public var requestID: String? {
            switch self {
            case .video(let id), .url(_, let id): return id
            }
        }
    }

    /// The legacy synchronous call: the answer is the video itself (by Content-Type), written
    /// to `path`, or JSON with its URL, which is returned for the caller to record first.
    public func submitSync(_ parameters: RenderParameters, imageURL: String, audioURL: String?, to path: String,
                           jobDirectory: String) async throws -> SyncAnswer {
        var request = HTTPRequest(.post, endpoint.syncURL, headers: headers, body: .data(try parameters.body(imageURL: imageURL, audioURL: audioURL)),
                                  timeouts: syncTimeouts)
        request.headers.set("Content-Type", "application/json")
        request.headers.set("Accept", "video/mp4, application/json")
        let result: DownloadResult
        do {
            result = try await http.download(request, to: path, retry: submitRetry)
        } catch let error as HTTPError {
            if case .status = error.kind, let response = error.response, !HTTPError.statusLeavesOutcomeOpen(response.status) {
                throw SegmindClient.failure(response, attempts: error.attempts)
            }
            throw SegmindClient.submitFailure(error, jobDirectory: jobDirectory)
        }
        let type = result.response.headers["Content-Type"]?.lowercased() ?? ""
        let requestID = result.response.headers["x-request-id"]
        guard type.contains("json") else { return .video(requestID: requestID) }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        try? FileManager.default.removeItem(atPath: path)
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let url = SegmindClient.videoURL(in: object["output"]) else {
            throw RenderError.maybeSubmitted(detail: "the synchronous answer (\(result.response.status)) is JSON without a video URL "
                                             + "in `output`: \(RenderError.message(in: body))", jobDirectory: jobDirectory)
        }
        return .url(url, requestID: requestID)
    }

    // MARK: - Answers

    func read(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await http.send(request, retry: readRetry)
        } catch let error as HTTPError {
            throw RenderError.network(error.description)
        }
    }

    static func submitFailure(_ error: HTTPError, jobDirectory: String) -> RenderError {
        if error.mayHaveBeenAccepted {
            return .maybeSubmitted(detail: error.description, jobDirectory: jobDirectory)
        }
        if case .status = error.kind, let response = error.response {
            return failure(response, attempts: error.attempts)
        }
        return .network("\(error.description); nothing was submitted")
    }

    static func requireSuccess(_ response: HTTPResponse) throws {
        guard (200..<300).contains(response.status) else { throw failure(response, attempts: response.attempts) }
    }

    static func failure(_ response: HTTPResponse, attempts: Int) -> RenderError {
        let message = RenderError.message(in: response.body)
        switch response.status {
        case 400:
            if message.lowercased().contains("download_failed") {
                return .badRequest("\(message) — the service could not fetch the image or audio URL: it must be public and "
                                   + "reachable from the internet, with an extension that matches its content")
            }
            return .badRequest(message)
        case 401: return .unauthorized(message)
        case 403: return .forbidden(message)
        case 404: return .notFound(message)
        case 406:
            return .insufficientCredits(balance: response.headers["x-remaining-credits"].flatMap(Double.init),
                                        price: ServiceLimits.defaultPricePerCallUSD, message: message)
        case 429: return .rateLimited(attempts: attempts, message: message, retryAt: RetryPolicy.retryInstant(RetryPolicy.retryAfter(in: response.headers)))
        default: return .serviceError(status: response.status, message: message)
        }
    }

    /// The video URL in `output`, as the API gives it: a URL string, an object naming it
    /// (`video_url`, else `url`), or a list whose first item is one of those. Nothing else in
    /// the answer is taken for the video (a URL of an input, a thumbnail or a log is not it).
    static func videoURL(in output: Any?) -> String? {
        switch output {
        case let text as String:
            return URLOrigin(text) == nil ? nil : text
        case let object as [String: Any]:
            return (object["video_url"] as? String ?? object["url"] as? String).flatMap { URLOrigin($0) == nil ? nil : $0 }
        case let list as [Any]:
            guard let first = list.first, !(first is [Any]) else { return nil }
            return videoURL(in: first)
        default:
            return nil
        }
    }

    static func number(_ value: Any?) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String { return Double(text) }
        return nil
    }
}
