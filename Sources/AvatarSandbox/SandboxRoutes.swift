import AvatarPipe
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The sandbox's endpoints. API and storage share one base URL; `SandboxInfo` has the table.
extension SandboxEngine {
    static let submitBodyLimit = 1 << 20
    static let controlBodyLimit = 64 << 10

    func addRoutes(to router: Router<SandboxRequestContext>) {
        router.add(middleware: SandboxMiddleware(engine: self))
        router.get("/sandbox/health") { _, _ in
            Reply.json(200, ["status": "ok", "service": "avatarpipe-sandbox"])
        }
        router.get("/sandbox/ledger") { request, _ in try await self.ledgerRoute(request) }
        router.post("/sandbox/control") { request, _ in try await self.controlRoute(request) }
        router.get("/sandbox/held/:gate") { request, context in try await self.heldRoute(request, context: context) }
        router.post("/v2/heygen-avatar-iv") { request, context in try await self.submit(request, context: context, synchronous: false) }
        router.post("/v1/heygen-avatar-iv") { request, context in try await self.submit(request, context: context, synchronous: true) }
        router.get("/v2/requests/:id/status") { request, context in try await self.poll(request, context: context, full: false) }
        router.get("/v2/requests/:id") { request, context in try await self.poll(request, context: context, full: true) }
        router.get("/v1/get-user-credits") { request, _ in try await self.credits(request) }
        router.post("/upload-asset") { request, _ in try await self.upload(request) }
        router.get("/assets/:name") { request, context in try await self.asset(request, context: context) }
        router.head("/assets/:name") { request, context in try await self.asset(request, context: context) }
        router.get("/outputs/:name") { request, context in try await self.output(request, context: context) }
        router.head("/outputs/:name") { request, context in try await self.output(request, context: context) }
    }

    // MARK: - Key and rate limit

    /// The refusal for a request without the right key, or over the rate limit; nil to go on.
    func authorize(_ request: Request, isSubmit: Bool, rateLimited: Bool = true) async -> Response? {
        guard let given = request.headers[.apiKey], !given.isEmpty else {
            return Reply.error(401, "Missing Authorization or x-api-key in header")
        }
        guard SandboxEngine.constantTimeEqual(given, key) else {
            return Reply.error(401, "Unauthorized. API key is invalid or may have expired")
        }
        guard rateLimited else { return nil }
        switch await state.admit(isSubmit: isSubmit) {
        case .allowed:
            return nil
        case .limited(let retryAfter, let resetAt):
            var headers = HTTPFields()
            headers[.retryAfter] = String(retryAfter)
            headers[.rateLimitReset] = SandboxEngine.iso8601(resetAt)
            let limit = await state.requestsPerMinute ?? 0
            return Reply.error(429, "Rate limit exceeded: at most \(limit) requests a minute; retry in \(retryAfter) s",
                               headers: headers)
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }

    static func isJSON(_ request: Request) -> Bool {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        return type == "application/json"
    }

    /// Where the client reached the sandbox (its Host header), for the absolute URLs of answers.
    func baseURL(for request: Request) -> String {
        if let authority = request.head.authority, !authority.isEmpty { return "http://\(authority)" }
        return fallbackBaseURL.withLock { $0 }
    }

    enum BodyRead {
        case body(Data)
        case refused(Response)
    }

    func readBody(_ request: Request, limit: Int) async throws -> BodyRead {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return .body(Data(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            return .refused(Reply.error(413, "the request body is over \(limit) bytes"))
        }
    }

    // MARK: - Submits

    func submit(_ request: Request, context: SandboxRequestContext, synchronous: Bool) async throws -> Response {
        let endpoint = request.uri.path
        let refuse = { (response: Response, message: String) async -> Response in
            await self.state.reject(endpoint: endpoint, status: Int(response.status.code), error: message)
            return response
        }
        if let refusal = await authorize(request, isSubmit: true) {
            return await refuse(refusal, refusal.status.code == 401 ? "missing or wrong x-api-key" : "rate limited")
        }
        if let fault = await state.takeSubmitFailure() {
            let message = fault.message ?? SandboxEngine.faultMessage(fault.status)
            var response = Reply.error(fault.status, message, retryAfter: fault.retryAfter)
            if fault.status == 429, let retryAfter = fault.retryAfter {
                response.headers[.rateLimitReset] = SandboxEngine.iso8601(await state.now().addingTimeInterval(Double(retryAfter)))
            }
            log("fault: \(endpoint) answered \(fault.status) as told")
            return await refuse(response, message)
        }
        guard SandboxEngine.isJSON(request) else {
            let message = "Invalid content type: send the parameters as application/json"
            return await refuse(Reply.error(406, message), message)
        }
        let data: Data
        switch try await readBody(request, limit: SandboxEngine.submitBodyLimit) {
        case .body(let body): data = body
        case .refused(let response): return await refuse(response, "body too large")
        }
        let parameters: AvatarParameters, body: JSONValue
        do {
            (parameters, body) = try AvatarParameters.parse(data)
        } catch {
            return await refuse(Reply.error(400, error.message), error.message)
        }

        let id = UUID().uuidString.lowercased()
        let directory = (jobsDirectory as NSString).appendingPathComponent(id)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let imagePath = (directory as NSString).appendingPathComponent("image_url.input")
        let audioPath = parameters.audioURL.map { _ in (directory as NSString).appendingPathComponent("audio_url.input") }
        do {
            try await InputFetcher.fetch(parameters.imageURL, parameter: "image_url", to: imagePath)
            if let audioURL = parameters.audioURL, let audioPath {
                try await InputFetcher.fetch(audioURL, parameter: "audio_url", to: audioPath)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            return await refuse(Reply.error(400, error.message), error.message)
        }

        let base = baseURL(for: request)
        let acceptance = await state.accept(id: id, endpoint: endpoint, body: body, parameters: parameters,
                                            directory: directory, imagePath: imagePath, audioPath: audioPath,
                                            outputURL: "\(base)/outputs/\(id).mp4")
        guard case .accepted(let job) = acceptance else {
            try? FileManager.default.removeItem(atPath: directory)
            if case .insufficient(let available, let needed) = acceptance {
                let message = "Insufficient credits: \(Credits.text(available)) available "
                    + "(the balance less the jobs still running), this model needs \(Credits.text(needed))"
                return await refuse(Reply.error(406, message), message)
            }
            return Reply.error(500, "Internal server error")
        }
        log("job \(id): QUEUED (\(endpoint), \(parameters.audioURL == nil ? "script" : "audio"), "
            + "\(parameters.orientation.rawValue), \(parameters.fit.rawValue))")

        if job.connectionDropped {
            launch(job)
            log("fault: job \(id) recorded, closing the connection without an answer")
            try await Reply.dropConnection(context, what: "submit dropped after job \(id) was recorded")
        }
        guard synchronous else {
            launch(job)
            await gates.pass(.submitAnswers)
            var status = "\(base)/v2/requests/\(id)/status", response = "\(base)/v2/requests/\(id)"
            if let foreign = await state.foreignStatusURL {
                status = foreign + (foreign.contains("?") ? "&" : "?") + "id=\(id)"
                response = status
            }
            return Reply.json(200, SubmitAnswer(requestID: id, status: "QUEUED", pollURL: status, statusURL: status,
                                                responseURL: response))
        }
        await run(job)
        return try await synchronousAnswer(id, request: request, context: context)
    }

    /// v1: the video itself (or JSON naming it), or the failure.
    func synchronousAnswer(_ id: String, request: Request, context: SandboxRequestContext) async throws -> Response {
        guard case .found(let job, let balance) = await state.lookup(id) else {
            return Reply.error(404, "Request \(id) not found")
        }
        let metrics = Metrics(job, balance: balance)
        guard job.status == .completed, let path = job.outputPath else {
            return Reply.json(422, JobAnswer(status: job.status.rawValue, metrics: metrics,
                                             error: job.error ?? "the render did not complete"))
        }
        var headers = HTTPFields()
        headers[.requestID] = id
        headers[.cost] = Credits.text(job.charged ?? 0)
        headers[.generationTime] = String(format: "%.3f", metrics.totalTime)
        switch await state.v1Answer {
        case .json:
            let shape = await state.outputShape
            return Reply.json(200, JobAnswer(status: job.status.rawValue, metrics: metrics,
                                             output: OutputValue(url: job.outputURL, shape: shape)), headers: headers)
        case .video:
            let size = SandboxRender.size(of: path)
            headers[.contentType] = "video/mp4"
            let body = try await FileIO().loadFile(path: path, context: context)
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    static func faultMessage(_ status: Int) -> String {
        switch status {
        case 429: "Rate limit exceeded (sandbox fault)"
        case 500: "Internal server error (sandbox fault)"
        case 502: "Bad gateway: service temporarily unavailable (sandbox fault)"
        case 503: "Service unavailable: the request was not accepted (sandbox fault)"
        case 504: "Gateway timeout: request timed out (sandbox fault)"
        default: "HTTP \(status) (sandbox fault)"
        }
    }

    // MARK: - Polls

    func poll(_ request: Request, context: SandboxRequestContext, full: Bool) async throws -> Response {
        if let refusal = await authorize(request, isSubmit: false) { return refusal }
        if let fault = await state.takePollFailure() {
            log("fault: \(request.uri.path) answered \(fault.status) as told")
            return Reply.error(fault.status, fault.message ?? SandboxEngine.faultMessage(fault.status), retryAfter: fault.retryAfter)
        }
        let id = context.parameters.get("id") ?? ""
        switch await state.lookup(id) {
        case .unknown:
            return Reply.error(404, "Request \(id) not found")
        case .expired(let at):
            return Reply.error(404, "Request \(id) not found: its result expired at \(SandboxEngine.iso8601(at)) "
                + "(results are kept \(Int(await state.resultLifetime)) s after submission)")
        case .found(let job, let balance):
            let metrics = Metrics(job, balance: balance)
            switch job.status {
            case .failed:
                return Reply.json(422, JobAnswer(status: job.status.rawValue, metrics: metrics, error: job.error))
            case .completed where full:
                let shape = await state.outputShape
                return Reply.json(200, JobAnswer(status: job.status.rawValue, metrics: metrics,
                                                 output: OutputValue(url: job.outputURL, shape: shape)))
            default:
                return Reply.json(200, JobAnswer(status: job.status.rawValue, metrics: metrics))
            }
        }
    }

    func credits(_ request: Request) async throws -> Response {
        if let refusal = await authorize(request, isSubmit: false) { return refusal }
        return Reply.json(200, ["credits": await state.balance])
    }

    // MARK: - Storage

    /// `{"data_urls": ["data:<mime>;base64,…", …]}` → `{"file_urls": […]}`: all or nothing.
    func upload(_ request: Request) async throws -> Response {
        if let refusal = await authorize(request, isSubmit: false) { return refusal }
        guard SandboxEngine.isJSON(request) else {
            return Reply.error(406, "Invalid content type: send {\"data_urls\": [...]} as application/json")
        }
        let limit = (maxUploadFileBytes + 2) / 3 * 4 + (1 << 20)
        let data: Data
        switch try await readBody(request, limit: limit) {
        case .body(let body): data = body
        case .refused(let response): return response
        }
        guard let document = try? JSONDecoder().decode(UploadRequest.self, from: data) else {
            return Reply.error(400, "the body must be {\"data_urls\": [\"data:<mime>;base64,...\"]}")
        }
        guard !document.dataURLs.isEmpty else { return Reply.error(400, "data_urls is empty") }
        let acceptsWAV = await state.acceptsWAVUploads
        var files: [(bytes: Data, type: String, suffix: String)] = []
        for (index, text) in document.dataURLs.enumerated() {
            switch DataURL.parse(text) {
            case .invalid(let problem):
                return Reply.error(400, "data_urls[\(index)]: \(problem)")
            case .parsed(let parsed):
                guard let suffix = DataURL.suffix(for: parsed.type, acceptsWAV: acceptsWAV) else {
                    let hint = DataURL.wavTypes.contains(parsed.type)
                        ? "; WAV is not taken here: upload the audio as MP3 (audio/mpeg)" : ""
                    return Reply.error(400, "data_urls[\(index)]: \(parsed.type) is not a supported file type\(hint)")
                }
                guard parsed.bytes.count <= maxUploadFileBytes else {
                    return Reply.error(413, "data_urls[\(index)] is \(parsed.bytes.count) bytes; the limit is \(maxUploadFileBytes)")
                }
                files.append((parsed.bytes, parsed.type, suffix))
            }
        }
        let base = baseURL(for: request)
        var urls: [String] = []
        for file in files {
            let name = "\(UUID().uuidString.lowercased()).\(file.suffix)"
            let path = (assetsDirectory as NSString).appendingPathComponent(name)
            try file.bytes.write(to: URL(fileURLWithPath: path))
            let url = "\(base)/assets/\(name)"
            await state.addUpload(name: name, path: path, url: url, contentType: DataURL.contentType(for: file.suffix),
                                  bytes: file.bytes.count)
            urls.append(url)
        }
        await gates.pass(.uploads)
        return Reply.json(200, ["file_urls": urls])
    }

    func asset(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let file = await state.upload(name) else { return Reply.error(404, "No such file: \(name)") }
        return try await serveFile(file, name: name, request: request, context: context, truncatable: false)
    }

    func output(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        switch await state.lookupOutput(name) {
        case .unknown:
            return Reply.error(404, "No such output: \(name)")
        case .expired(let at):
            return Reply.error(404, "The output \(name) expired at \(SandboxEngine.iso8601(at)) and is gone")
        case .found(let job, _):
            guard let path = job.outputPath else { return Reply.error(404, "No such output: \(name)") }
            if request.method == .get, let kind = await state.takeBadOutput() {
                log("fault: \(request.uri.path) serves a defective video (\(kind.rawValue))")
                let bad = try DefectiveOutput.make(kind, from: job, directory: job.directory)
                let file = SandboxState.StoredFile(path: bad, contentType: "video/mp4", modified: Date())
                return try await serveFile(file, name: "bad-\(kind.rawValue)-\(name)", request: request, context: context, truncatable: false)
            }
            let file = SandboxState.StoredFile(path: path, contentType: "video/mp4", modified: job.finishedAt ?? job.submittedAt)
            return try await serveFile(file, name: name, request: request, context: context, truncatable: true)
        }
    }

    /// A file with `Range` support (one range; 206 with Content-Range, 416 past the end),
    /// a strong ETag and `If-Range`. An armed `truncate_downloads` fault cuts a GET's body.
    func serveFile(_ file: SandboxState.StoredFile, name: String, request: Request, context: SandboxRequestContext,
                   truncatable: Bool) async throws -> Response {
        let size = Int(SandboxRender.size(of: file.path))
        let etag = "\"\(name)-\(size)-\(Int(file.modified.timeIntervalSince1970))\""
        let modified = SandboxEngine.httpDate(file.modified)
        var headers = HTTPFields()
        headers[.acceptRanges] = "bytes"
        headers[.eTag] = etag
        headers[.lastModified] = modified
        var range = ByteRangeRequest(request.headers[.range], size: size)
        if let condition = request.headers[.ifRange], condition != etag, condition != modified { range = .whole }
        let bounds: ClosedRange<Int>?
        var status = HTTPResponse.Status.ok
        switch range {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            return Reply.error(416, "the range is outside the file's \(size) bytes", headers: headers)
        case .whole:
            bounds = size > 0 ? 0...(size - 1) : nil
        case .partial(let partial):
            bounds = partial
            status = .partialContent
            headers[.contentRange] = "bytes \(partial.lowerBound)-\(partial.upperBound)/\(size)"
        }
        headers[.contentType] = file.contentType
        let length = bounds?.count ?? 0
        headers[.contentLength] = String(length)
        guard request.method == .get, let bounds else { return Response(status: status, headers: headers) }
        var body = try await FileIO().loadFile(path: file.path, range: bounds, context: context)
        if truncatable, let limit = await state.takeTruncation(), limit < length {
            log("fault: \(request.uri.path) will stop after \(limit) of \(length) bytes")
            let whole = body, channel = context.channel
            body = ResponseBody(contentLength: length) { writer in
                try await whole.write(TruncatingBodyWriter(parent: writer, remaining: limit, channel: channel))
            }
        } else if truncatable, await gates.isClosed(.downloads) {
            let after = await state.holdDownloadsAfter, whole = body, gates = self.gates
            log("hold: \(request.uri.path) will wait at the downloads gate after \(after) bytes")
            body = ResponseBody(contentLength: length) { writer in
                try await whole.write(HoldingBodyWriter(parent: writer, remaining: after, gates: gates))
            }
        }
        return Response(status: status, headers: headers, body: body)
    }

    // MARK: - Sandbox's own endpoints

    func ledgerRoute(_ request: Request) async throws -> Response {
        if let refusal = await authorize(request, isSubmit: false, rateLimited: false) { return refusal }
        return Reply.json(200, await state.ledger())
    }

    /// Answers once `count` (default 1) requests have reached the gate while it was closed.
    func heldRoute(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        if let refusal = await authorize(request, isSubmit: false, rateLimited: false) { return refusal }
        guard let gate = SandboxGate(rawValue: context.parameters.get("gate") ?? "") else {
            return Reply.error(404, "no such gate; gates: \(SandboxGate.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let count = request.uri.queryParameters.get("count").flatMap { Int($0) } ?? 1
        await gates.arrived(gate, count: count)
        return Reply.json(200, ["gate": gate.rawValue, "arrivals": String(await gates.arrivals(gate))])
    }

    func controlRoute(_ request: Request) async throws -> Response {
        if let refusal = await authorize(request, isSubmit: false, rateLimited: false) { return refusal }
        let data: Data
        switch try await readBody(request, limit: SandboxEngine.controlBodyLimit) {
        case .body(let body): data = body
        case .refused(let response): return response
        }
        let control: SandboxControl
        do {
            control = try JSONDecoder().decode(SandboxControl.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            return Reply.error(400, "the body is not a sandbox control document: \(error)")
        }
        log("control: \(String(decoding: (try? Reply.encoder().encode(control)) ?? Data(), as: UTF8.self))")
        return Reply.json(200, await apply(control))
    }

    // MARK: - Formats

    static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

/// Logs each request (method, path — never headers, query or body) and puts the balance in
/// `x-remaining-credits` on every answer, errors included.
struct SandboxMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    let engine: SandboxEngine

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let line = "\(request.method) \(request.uri.path)"
        var response: Response
        do {
            response = try await next(request, context)
        } catch let cut as ConnectionCut {
            engine.log("\(line) → connection closed without an answer (\(cut.what))")
            throw cut
        } catch let error as HTTPError {
            response = Reply.error(Int(error.status.code),
                                   error.status == .notFound ? "Not found: \(line)" : (error.body ?? error.status.reasonPhrase),
                                   headers: error.headers)
        } catch {
            response = Reply.error(500, "Internal server error: \(error)")
        }
        response.headers[.remainingCredits] = Credits.text(await engine.state.balance)
        let elapsed = clock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
        engine.log("\(line) → \(response.status.code) (\(Int(milliseconds.rounded())) ms)")
        return response
    }
}

// MARK: - Bodies

struct SubmitAnswer: Encodable {
    var requestID: String
    var status: String
    var pollURL: String
    var statusURL: String
    var responseURL: String

    enum CodingKeys: String, CodingKey {
        case status
        case requestID = "request_id"
        case pollURL = "poll_url"
        case statusURL = "status_url"
        case responseURL = "response_url"
    }
}

/// Timings in seconds; cost and the balance only once charged (a FAILED job has none).
struct Metrics: Encodable {
    var queueTime: Double
    var inferenceTime: Double?
    var totalTime: Double
    var cost: Double?
    var remainingCredits: Double?

    init(_ job: SandboxState.Job, balance: Double, now: Date = Date()) {
        let end = job.finishedAt ?? now
        queueTime = Metrics.seconds(job.submittedAt, job.processingAt ?? now)
        inferenceTime = job.processingAt.map { Metrics.seconds($0, end) }
        totalTime = Metrics.seconds(job.submittedAt, end)
        if let charged = job.charged {
            cost = charged
            remainingCredits = balance
        }
    }

    static func seconds(_ from: Date, _ to: Date) -> Double {
        (max(0, to.timeIntervalSince(from)) * 1000).rounded() / 1000
    }

    enum CodingKeys: String, CodingKey {
        case cost
        case queueTime = "queue_time"
        case inferenceTime = "inference_time"
        case totalTime = "total_time"
        case remainingCredits = "remaining_credits"
    }
}

struct JobAnswer: Encodable {
    var status: String
    var metrics: Metrics
    var error: String?
    var output: OutputValue?
}

enum OutputValue: Encodable {
    case url(String)
    case object(videoURL: String)

    init(url: String, shape: SandboxConfiguration.OutputShape) {
        self = shape == .string ? .url(url) : .object(videoURL: url)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .url(let url): try container.encode(url)
        case .object(let url): try container.encode(["video_url": url])
        }
    }
}

struct UploadRequest: Decodable {
    var dataURLs: [String]

    enum CodingKeys: String, CodingKey {
        case dataURLs = "data_urls"
    }
}

/// `data:<mime>[;param…];base64,<payload>` (RFC 2397), base64 only.
enum DataURL {
    struct Parsed {
        var type: String
        var bytes: Data
    }

    static let wavTypes: Set<String> = ["audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"]

    enum Parse {
        case parsed(Parsed)
        case invalid(String)
    }

    static func parse(_ text: String) -> Parse {
        guard text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") else {
            return .invalid("not a data URL (data:<mime>;base64,...)")
        }
        let header = text[text.index(text.startIndex, offsetBy: 5)..<comma].split(separator: ";").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let type = header.first, type.contains("/") else { return .invalid("the data URL names no media type") }
        guard header.dropFirst().contains("base64") else { return .invalid("the data URL is not base64") }
        guard let bytes = Data(base64Encoded: String(text[text.index(after: comma)...]), options: .ignoreUnknownCharacters),
              !bytes.isEmpty
        else {
            return .invalid("the base64 payload does not decode")
        }
        return .parsed(Parsed(type: type, bytes: bytes))
    }

    /// The file name extension the storage gives a type, or nil for a type it refuses.
    static func suffix(for type: String, acceptsWAV: Bool) -> String? {
        switch type {
        case "image/png": "png"
        case "image/jpeg", "image/jpg", "image/pjpeg": "jpg"
        case "image/webp": "webp"
        case "image/gif": "gif"
        case "audio/mpeg", "audio/mp3", "audio/mpeg3": "mp3"
        case "video/mp4": "mp4"
        case _ where wavTypes.contains(type): acceptsWAV ? "wav" : nil
        default: nil
        }
    }

    static func contentType(for suffix: String) -> String {
        switch suffix {
        case "png": "image/png"
        case "jpg": "image/jpeg"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "mp3": "audio/mpeg"
        case "mp4": "video/mp4"
        case "wav": "audio/wav"
        default: "application/octet-stream"
        }
    }
}
