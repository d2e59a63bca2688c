import AvatarHTTP
import Foundation

/// Puts files in an S3 bucket (AWS, or any S3-compatible store) and hands out presigned GET
/// URLs for them, which the service can fetch without credentials until they expire.
///
/// Each file goes to `prefix/<uuid>.<ext>`, the extension chosen from the content type (the
/// service refuses a URL whose extension does not match the content). The name is random
/// rather than the content's hash: two jobs that upload the same photo must not share an
/// object, or the first to finish would remove the other's input.
///
/// The upload is a SigV4-signed PUT streamed from the file, signing the file's SHA-256 (S3
/// then refuses a body that changed on the way); it is retried after connection failures
/// and 5xx, since a PUT to a fixed key is idempotent. Every secret (the secret key, the
/// session token, signatures) is kept out of errors and traces.
public struct S3Host: TempHost {
    public let configuration: S3Configuration
    private let signer: SigV4Signer
    private let client: HTTPClient
    private let retry: RetryPolicy
    private let now: @Sendable () -> Date

    /// `now` is the clock the signatures and expiry times are taken from.
    public init(configuration: S3Configuration, client: HTTPClient = HTTPClient(),
                retry: RetryPolicy = .idempotent(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        var client = client
        for secret in configuration.credentials.secrets {
            client.redactor = client.redactor.adding(secret: secret)
        }
        self.client = client
        self.retry = retry
        self.now = now
    }

    public var name: String { configuration.location.description }

    // MARK: - TempHost

    public func host(_ path: String, contentType: String) async throws -> HostedFile {
        let key = configuration.location.key(UUID().uuidString.lowercased() + S3Host.fileExtension(contentType: contentType,
                                                                                                     path: path))
        let object = objectName(key)
        let bytes = try fileSize(path, object: object)
        let payloadHash: String
        if configuration.signsPayload {
            do {
                payloadHash = try await Offload.run { try FileHash.sha256(ofFile: path) }
            } catch {
                throw S3Error(operation: .upload, object: object, file: path,
                              message: "the file cannot be read (\(error.localizedDescription))")
            }
        } else {
            payloadHash = SigV4Signer.unsignedPayload
        }

        let put = request("PUT", key: key, headers: [SigV4Request.Header("Content-Type", contentType)])
        let response = try await send(put, payloadHash: payloadHash, body: .file(path: path, length: bytes),
                                      operation: .upload, object: object, file: path)
        guard response.isSuccess else {
            throw failure(.upload, object: object, file: path, response: response)
        }

        let signedAt = now()
        let url = presignedURL(forKey: key, at: signedAt)
        if configuration.checksURL {
            do {
                try await check(url, bytes: bytes, object: object)
            } catch {
                try? await delete(key)
                throw error
            }
        }
        return HostedFile(url: url, key: key, expiresAt: signedAt.addingTimeInterval(Double(configuration.lifetimeSeconds)),
                          contentType: contentType, bytes: bytes)
    }

    public func remove(_ file: HostedFile) async throws {
        guard configuration.location.contains(key: file.key) else {
            throw S3Error(operation: .remove, object: objectName(file.key),
                          message: "it is not under \(configuration.location), so this host did not put it there; "
                              + "nothing was removed")
        }
        try await delete(file.key)
    }

    // MARK: - More

    /// A presigned GET URL for an object under this host, valid for the configured lifetime
    /// from `date`. Keep it out of logs: it is a credential for that object.
    public func presignedURL(forKey key: String, at date: Date) -> String {
        signer.presignedURL(for: request("GET", key: key), lifetime: configuration.lifetimeSeconds, at: date)
    }

    /// Creates the bucket, in the configured region. A bucket that exists and is yours is
    /// no error.
    public func createBucket() async throws {
        let object = "s3://\(configuration.location.bucket)"
        let body = createBucketBody
        let response = try await send(request("PUT", key: nil), payloadHash: SigV4Encoding.sha256(body),
                                      body: body.isEmpty ? .none : .data(body), operation: .createBucket, object: object)
        if response.isSuccess { return }
        let document = S3ErrorDocument(body: response.body)
        if document.code == "BucketAlreadyOwnedByYou" { return }
        throw failure(.createBucket, object: object, response: response)
    }

    /// Outside us-east-1, S3 wants to be told the region again, in the body.
    var createBucketBody: Data {
        guard configuration.region != S3Configuration.defaultRegion else { return Data() }
        return Data(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>").utf8)
    }

    // MARK: - Requests

    private func delete(_ key: String) async throws {
        let object = objectName(key)
        let response = try await send(request("DELETE", key: key), payloadHash: SigV4Signer.emptyPayloadHash,
                                      body: .none, operation: .remove, object: object)
        if response.isSuccess { return }
        // Gone already is what was asked for.
        if response.status == 404, S3ErrorDocument(body: response.body).code == "NoSuchKey" { return }
        throw failure(.remove, object: object, response: response)
    }

    /// Fetches the first byte through the presigned URL, with no credential, as the service will.
    private func check(_ url: String, bytes: Int64, object: String) async throws {
        var get = HTTPRequest(.get, url)
        if bytes > 0 { get.headers.set("Range", "bytes=0-0") }
        // A server that ignores Range sends the whole file; a little of it is enough.
        get.maxResponseBytes = 64 << 10
        let response: HTTPResponse
        do {
            response = try await client.send(get, retry: retry)
        } catch let error as HTTPError where error.kind == .bodyTooLarge {
            return
        } catch let error as HTTPError {
            throw S3Error(operation: .check, object: object, transport: error)
        }
        guard response.isSuccess else {
            throw failure(.check, object: object, response: response)
        }
    }

    func request(_ method: String, key: String?, headers: [SigV4Request.Header] = []) -> SigV4Request {
        configuration.endpoint.request(method, location: configuration.location, key: key,
                                       addressing: configuration.addressing, headers: headers)
    }

    /// Signs and sends; a request that gets no answer becomes an `S3Error`.
    private func send(_ request: SigV4Request, payloadHash: String, body: HTTPRequest.Body,
                      operation: S3Error.Operation, object: String, file: String? = nil) async throws -> HTTPResponse {
        do {
            return try await client.send(signed(request, payloadHash: payloadHash, body: body), retry: retry)
        } catch let error as HTTPError {
            throw S3Error(operation: operation, object: object, file: file,
                          advice: error.kind == .cannotConnect ? "Check the endpoint \(configuration.endpoint)" : nil,
                          transport: error)
        }
    }

    /// The request with its signature headers, ready to send (the `Redactor` already knows
    /// the session token's header).
    func signed(_ request: SigV4Request, payloadHash: String, body: HTTPRequest.Body) -> HTTPRequest {
        var headers = HTTPHeaders()
        for header in request.headers + signer.signingHeaders(for: request, payloadHash: payloadHash, at: now()) {
            headers.add(header.name, header.value)
        }
        return HTTPRequest(HTTPMethod(rawValue: request.method), request.url, headers: headers, body: body)
    }

    private func failure(_ operation: S3Error.Operation, object: String, file: String? = nil,
                         response: HTTPResponse) -> S3Error {
        let document = S3ErrorDocument(body: response.body)
        let region = document.region ?? response.headers["x-amz-bucket-region"]
        let advice = S3Advice(configuration: configuration, operation: operation)
            .advice(code: document.code, status: response.status, bucketRegion: region)
        return S3Error(operation: operation, object: object, file: file, status: response.status,
                       code: document.code.map { String($0.prefix(80)) },
                       message: document.message.map { client.redactor.text(String($0.prefix(400))) },
                       requestID: document.requestID.map { String($0.prefix(80)) }, advice: advice)
    }

    private func fileSize(_ path: String, object: String) throws -> Int64 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw S3Error(operation: .upload, object: object, file: path, message: "the file does not exist")
        }
        guard !isDirectory.boolValue,
              let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber
        else {
            throw S3Error(operation: .upload, object: object, file: path, message: "it is not a readable file")
        }
        return size.int64Value
    }

    private func objectName(_ key: String) -> String {
        "s3://\(configuration.location.bucket)/\(key)"
    }

    // MARK: - Names

    /// The extension for a content type, with the dot: the file's own when it is one the
    /// type allows (`.jpeg` stays `.jpeg`), else the type's usual one; for a type not
    /// listed, the file's own; none if it has none.
    static func fileExtension(contentType: String, path: String) -> String {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let own = URL(fileURLWithPath: path).pathExtension.lowercased()
        let ownIsPlain = !own.isEmpty && own.count <= 8 && own.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        let allowed: [String]
        switch type {
        case "image/png": allowed = ["png"]
        case "image/jpeg", "image/jpg", "image/pjpeg": allowed = ["jpg", "jpeg"]
        case "image/webp": allowed = ["webp"]
        case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave": allowed = ["wav"]
        case "audio/mpeg", "audio/mp3": allowed = ["mp3"]
        case "video/mp4": allowed = ["mp4"]
        case "text/vtt": allowed = ["vtt"]
        case "application/json": allowed = ["json"]
        default: return ownIsPlain ? "." + own : ""
        }
        return "." + (allowed.contains(own) ? own : allowed[0])
    }
}
