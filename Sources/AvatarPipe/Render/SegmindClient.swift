import AvatarHTTP
import Foundation

/// A submitted render: what the service answered, as the client must keep it.
public struct Submission: Codable, Sendable, Equatable {
    public var requestID: String
    public var statusURL: String
    public var responseURL: String
    public var pollURL: String?
    public var submittedAt: Date

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
    public var timeouts = HTTPTimeouts(connect: .seconds(15), lowSpeedLimit: 1, lowSpeedTime: .seconds(60), total: nil)

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
        let response = try await read(HTTPRequest(.get, submission.statusURL, headers: headers, timeouts: timeouts))
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
        let response = try await read(HTTPRequest(.get, submission.responseURL, headers: headers, timeouts: timeouts))
        if response.status == 404 || response.status == 410 { throw RenderError.expired(requestID: submission.requestID) }
        try SegmindClient.requireSuccess(response)
        guard let object = try? JSONSerialization.jsonObject(with: response.body),
              let url = SegmindClient.videoURL(in: (object as? [String: Any])?["output"] ?? object) else {
            throw RenderError.invalidAnswer("the result names no video URL: \(RenderError.message(in: response.body))")
        }
        return url
    }

    /// Downloads the video to `path`, resuming from what is already there (Range requests).
    /// The output URL is fetched without the API key: it is a plain storage URL.
    public func download(_ url: String, to path: String, progress: (@Sendable (DownloadProgress) -> Void)? = nil) async throws -> DownloadResult {
        let existing = JobFilesystem.size(of: path) ?? 0
        let request = HTTPRequest(.get, url, timeouts: timeouts)
        do {
            return try await http.download(request, to: path, resumingFrom: existing, retry: .idempotent(maxAttempts: 6), progress: progress)
        } catch let error as HTTPError {
            if case .status(let status) = error.kind, status == 404 || status == 410 || status == 403 {
                throw RenderError.download("\(error.description) (results expire one hour after submission)")
            }
            throw RenderError.download(error.description)
        }
    }

    /// The legacy synchronous call: the answer is the video itself (by Content-Type) or JSON
    /// with its URL. The file lands at `path` either way.
    public func submitSync(_ parameters: RenderParameters, imageURL: String, audioURL: String?, to path: String,
                           jobDirectory: String) async throws {
        var request = HTTPRequest(.post, endpoint.syncURL, headers: headers, body: .data(try parameters.body(imageURL: imageURL, audioURL: audioURL)),
                                  timeouts: HTTPTimeouts(connect: .seconds(15), lowSpeedLimit: 1, lowSpeedTime: .seconds(600), total: nil))
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
        guard type.contains("json") else { return }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        try? FileManager.default.removeItem(atPath: path)
        guard let object = try? JSONSerialization.jsonObject(with: body), let url = SegmindClient.videoURL(in: object) else {
            throw RenderError.invalidAnswer("the synchronous answer is JSON without a video URL: \(RenderError.message(in: body))")
        }
        _ = try await download(url, to: path)
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
        case 429: return .rateLimited(attempts: attempts, message: message)
        default: return .serviceError(status: response.status, message: message)
        }
    }

    /// The video URL in an `output` that is a string, an object or a list.
    static func videoURL(in value: Any?) -> String? {
        switch value {
        case let text as String:
            return text.hasPrefix("http://") || text.hasPrefix("https://") ? text : nil
        case let object as [String: Any]:
            for key in ["video_url", "url", "output_url", "video", "output", "result"] {
                if let url = videoURL(in: object[key]) { return url }
            }
            return object.values.lazy.compactMap { videoURL(in: $0) }.first
        case let list as [Any]:
            return list.lazy.compactMap { videoURL(in: $0) }.first
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
