import AvatarHTTP
import AvatarMedia
import Foundation

/// Inputs given as https:// URLs are downloaded once into `input/` so that the free checks can
/// run on them; the service still gets the original URL when nothing needs changing.
public enum RemoteInputs {
    public struct Fetched: Sendable {
        public var photo: String
        public var audio: String?
        public var sourceURLs: [String: String] = [:]
    }

    /// A URL that could not be fetched: the input is unusable (exit 2).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func fetch(photo: String, audio: String?, into directory: String, http: HTTPClient,
                             observer: RunObserver?) async throws -> Fetched {
        var fetched = Fetched(photo: photo, audio: audio)
        if isURL(photo) {
            fetched.photo = try await download(photo, role: "photo", into: directory, http: http, observer: observer)
            fetched.sourceURLs["photo"] = photo
        }
        if let audio, isURL(audio) {
            fetched.audio = try await download(audio, role: "audio", into: directory, http: http, observer: observer)
            fetched.sourceURLs["audio"] = audio
        }
        return fetched
    }

    public static func isURL(_ text: String) -> Bool { text.hasPrefix("https://") || text.hasPrefix("http://") }

    static func download(_ url: String, role: String, into directory: String, http: HTTPClient, observer: RunObserver?) async throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = URL(string: url)?.lastPathComponent ?? role
        let ext = (name as NSString).pathExtension
        let path = (directory as NSString).appendingPathComponent("source-\(role)" + (ext.isEmpty ? "" : ".\(ext)"))
        observer?.stage("fetch", "downloading the \(role) from \(http.redactor.url(url)) to check it")
        // Fetched under a temporary name: a failed or cut transfer leaves nothing in input/.
        let temporary = AtomicFile.temporaryPath(for: path)
        do {
            _ = try await http.download(HTTPRequest(.get, url), to: temporary, retry: .idempotent(maxAttempts: 4))
            try AtomicFile.commit(temporary, to: path)
        } catch let error as HTTPError {
            AtomicFile.discard(temporary)
            throw Failure(description: "cannot download the \(role) from \(error.url): \(error.description)")
        } catch {
            AtomicFile.discard(temporary)
            throw error
        }
        return path
    }
}
