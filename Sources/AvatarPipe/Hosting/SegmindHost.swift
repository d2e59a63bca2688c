import AvatarHTTP
import Foundation

/// A hosting refusal that another format can get past (Segmind's storage takes MP3 but not WAV).
public struct HostingRefusal: Error, CustomStringConvertible, Sendable {
    public var contentType: String
    public var status: Int
    public var message: String
    public var description: String { "the storage refused \(contentType) (\(status)): \(message)" }
}

/// Segmind's own storage: `POST /upload-asset` with data URLs, `file_urls` back. The
/// official SDK sends the API key there too. Files cannot be removed afterwards.
public struct SegmindHost: TempHost {
    public let endpoint: ServiceEndpoint
    public var http: HTTPClient
    public var name: String { "segmind" }

    public init(endpoint: ServiceEndpoint, http: HTTPClient = HTTPClient()) {
        self.endpoint = endpoint
        self.http = http
    }

    public func host(_ path: String, contentType: String) async throws -> HostedFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RenderError.refused("cannot read \(path) to upload it")
        }
        let body = try JSONSerialization.data(withJSONObject: ["data_urls": ["data:\(contentType);base64,\(data.base64EncodedString())"]])
        let request = HTTPRequest(.post, endpoint.uploadURL, headers: ["x-api-key": endpoint.apiKey, "Content-Type": "application/json",
                                                                      "Accept": "application/json"],
                                  body: .data(body), timeouts: HTTPTimeouts(connect: .seconds(15), lowSpeedLimit: 1, lowSpeedTime: .seconds(60)))
        let response: HTTPResponse
        do {
            // An upload starts no paid work: retrying it at worst stores a second copy.
            response = try await http.send(request, retry: .idempotent(maxAttempts: 4))
        } catch let error as HTTPError {
            throw RenderError.network("uploading \(path): \(error.description)")
        }
        if [400, 415, 422].contains(response.status) {
            throw HostingRefusal(contentType: contentType, status: response.status, message: RenderError.message(in: response.body))
        }
        try SegmindClient.requireSuccess(response)
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let url = (object["file_urls"] as? [String])?.first else {
            throw RenderError.invalidAnswer("upload-asset answered without file_urls: \(RenderError.message(in: response.body))")
        }
        return HostedFile(url: url, key: url, expiresAt: nil, contentType: contentType, bytes: Int64(data.count))
    }

    public func remove(_ file: HostedFile) async throws {}
}

/// Inputs already at https:// URLs: handed to the service as they are.
public struct PassthroughHost: TempHost {
    public var name: String { "url" }
    public init() {}

    public func host(_ path: String, contentType: String) async throws -> HostedFile {
        HostedFile(url: path, key: path, expiresAt: nil, contentType: contentType, bytes: 0)
    }

    public func remove(_ file: HostedFile) async throws {}
}

enum ContentType {
    static func of(_ path: String) -> String {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "wav": return "audio/wav"
        case "mp3": return "audio/mpeg"
        case "mp4": return "video/mp4"
        default: return "application/octet-stream"
        }
    }
}
