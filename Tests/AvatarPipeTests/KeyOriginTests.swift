@testable import AvatarPipe
import Foundation
import Testing

/// Money rule 6 in its parts: where the key may go, and which URL in an answer is the video.
@Suite struct KeyOriginTests {
    let endpoint = ServiceEndpoint(apiBase: "https://api.segmind.com", storageBase: "https://workflows-api.segmind.com", apiKey: "k")

    @Test(arguments: [
        ("https://api.segmind.com/v2/requests/1/status", true),
        ("https://API.segmind.com:443/v2/requests/1", true),
        ("https://workflows-api.segmind.com/upload-asset", true),
        ("http://api.segmind.com/v2/requests/1/status", false),
        ("https://api.segmind.com:8443/v2/requests/1", false),
        ("https://api.segmind.com.evil.example/x", false),
        ("https://cdn.segmind.com/video.mp4", false),
        ("ftp://api.segmind.com/x", false),
    ])
    func theKeyGoesToTheTwoOriginsOnly(url: String, allowed: Bool) {
        #expect(endpoint.mayCarryKey(url) == allowed)
    }

    @Test func plainHTTPIsForLoopbackOnly() throws {
        #expect(throws: Never.self) {
            try ServiceEndpoint(apiBase: "http://127.0.0.1:8800", storageBase: "http://localhost:8800", apiKey: "k").validate()
        }
        #expect(throws: ServiceEndpoint.Missing.self) {
            try ServiceEndpoint(apiBase: "http://api.example.com", storageBase: "https://api.example.com", apiKey: "k").validate()
        }
        #expect(ServiceEndpoint(apiBase: "http://127.0.0.1:8800/", storageBase: "x", apiKey: "k").ledgerOrigin == "http://127.0.0.1:8800")
        #expect(endpoint.ledgerOrigin == "https://api.segmind.com")
    }

    @Test func onlyOutputNamesTheVideo() throws {
        func url(_ json: String) -> String? {
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return SegmindClient.videoURL(in: object?["output"])
        }
        #expect(url(#"{"output": "https://cdn.example/v.mp4"}"#) == "https://cdn.example/v.mp4")
        #expect(url(#"{"output": {"video_url": "https://cdn.example/v.mp4", "thumbnail": "https://cdn.example/t.jpg"}}"#)
                == "https://cdn.example/v.mp4")
        #expect(url(#"{"output": [{"url": "https://cdn.example/v.mp4"}]}"#) == "https://cdn.example/v.mp4")
        #expect(url(#"{"output": {"thumbnail": "https://cdn.example/t.jpg"}}"#) == nil)
        #expect(url(#"{"image_url": "https://cdn.example/in.png", "status": "COMPLETED"}"#) == nil)
        #expect(url(#"{"output": "not a url"}"#) == nil)
    }
}
