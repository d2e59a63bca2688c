import AvatarHTTP
import Foundation

/// The service could not fetch a URL it was given: a submit answered 400 `download_failed`.
struct DownloadFailure: Error, Sendable {
    var message: String
}

/// Fetches `image_url` and `audio_url` the way the service does: a plain GET from the
/// outside, no key, redirects followed, over AvatarHTTP (libcurl).
enum InputFetcher {
    static let client = HTTPClient(userAgent: "avatarpipe-sandbox")

    /// Downloads `url` into `path`. A connection that fails or an answer that is not 2xx
    /// is a `DownloadFailure`; what the bytes are is checked later, by `InputCheck`.
    static func fetch(_ url: String, parameter: String, to path: String) async throws(DownloadFailure) {
        var request = HTTPRequest(.get, url, timeouts: HTTPTimeouts(connect: .seconds(10), lowSpeedLimit: 1,
                                                                      lowSpeedTime: .seconds(30), total: .seconds(600)))
        request.headers.set("Accept", "*/*")
        let shown = Redactor().url(url)
        do {
            _ = try await client.download(request, to: path)
        } catch let error as HTTPError {
            if case .status(let status) = error.kind {
                throw DownloadFailure(message: "download_failed: \(parameter) \(shown) answered HTTP \(status)")
            }
            throw DownloadFailure(message: "download_failed: could not fetch \(parameter) \(shown): \(error.kind)")
        } catch {
            throw DownloadFailure(message: "download_failed: could not fetch \(parameter) \(shown): \(error)")
        }
    }
}
