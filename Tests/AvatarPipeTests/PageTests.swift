import AvatarMedia
@testable import AvatarPipe
import Foundation
import Testing
import TestSupport

/// index.html: its markup (sources, tracks, links, escaping), what it gathers from a job
/// directory, and, when Chromium is installed, a real browser loading it (scripts/check-page.sh).
@Suite struct PageTests {
    static let chromium = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { Shell.which($0) }.first
    static let checkPage = Fixtures.root.appendingPathComponent("scripts/check-page.sh").path

    func sample() -> PageContent {
        PageContent(
            title: "Quarterly update",
            files: [
                PageFile(path: "video-480p.mp4", role: .rendition, bytes: 400_000, width: 854, height: 480, duration: 12.3),
                PageFile(path: "video-1080p.mp4", role: .rendition, bytes: 2_400_000, width: 1920, height: 1080, duration: 12.3,
                         videoCodec: "h264", audioCodec: "aac"),
                PageFile(path: "video-720p.mp4", role: .rendition, bytes: 1_200_000, width: 1280, height: 720, duration: 12.3),
                PageFile(path: "hls/master.m3u8", role: .hls, bytes: 400),
                PageFile(path: "video.webm", role: .webm, bytes: 900_000, width: 1280, height: 720, duration: 12.3),
                PageFile(path: "poster.png", role: .poster, bytes: 812_345, width: 1920, height: 1080),
                PageFile(path: "captions.vtt", role: .captions, bytes: 1234),
                PageFile(path: "storyboard.vtt", role: .storyboard, bytes: 456),
            ],
            poster: "poster.png",
            captions: [PageCaptionTrack(path: "captions.vtt")],
            storyboardTrack: "storyboard.vtt")
    }

    /// The `src` of each `<source>`, in order.
    func sources(_ html: String) -> [String] {
        html.components(separatedBy: "<source ").dropFirst().compactMap { tag in
            tag.components(separatedBy: "src=\"").dropFirst().first?.components(separatedBy: "\"").first
        }
    }

    @Test func videoHasTheSourcesInOrderThePosterAndBothTracks() {
        let html = PageWriter.html(sample())
        #expect(sources(html) == ["hls/master.m3u8", "video-1080p.mp4", "video-720p.mp4", "video-480p.mp4", "video.webm"])
        #expect(html.contains("<source src=\"hls/master.m3u8\" type=\"application/vnd.apple.mpegurl\">"))
        #expect(html.contains("<source src=\"video-1080p.mp4\" type=\"video/mp4\""))
        #expect(html.contains("<source src=\"video.webm\" type=\"video/webm\""))
        #expect(html.contains("<video id=\"video\" controls preload=\"metadata\" playsinline poster=\"poster.png\" width=\"1920\" height=\"1080\">"))
        #expect(html.contains("<track kind=\"captions\" src=\"captions.vtt\" srclang=\"en\" label=\"English\" default>"))
        #expect(html.contains("<track kind=\"metadata\" label=\"thumbnails\" src=\"storyboard.vtt\">"))
        // Every file has a download link and its size.
        for file in sample().files {
            #expect(html.contains("<a href=\"\(file.path)\" download>\(file.path)</a>"), "\(file.path)")
            #expect(html.contains(Format.bytes(file.bytes ?? 0)), "\(file.path)")
        }
        #expect(html.contains("1920×1080, 12 s, h264/aac"))
        // The biggest rendition is listed first among the downloads too.
        let order = ["video-1080p.mp4\" download", "video-720p.mp4\" download", "video-480p.mp4\" download", "poster.png\" download"]
        let positions = order.compactMap { html.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
    }

    @Test func withoutHLSOrWebMTheMP4sAreTheOnlySources() {
        var content = sample()
        content.files.removeAll { $0.role == .hls || $0.role == .webm }
        content.storyboardTrack = nil
        content.captions = []
        let html = PageWriter.html(content)
        #expect(sources(html) == ["video-1080p.mp4", "video-720p.mp4", "video-480p.mp4"])
        #expect(!html.contains("<track"))
        #expect(!html.contains("mpegurl") && !html.contains("video/webm"))
    }

    @Test func textIsEscapedAndPathsAreEncoded() {
        var content = sample()
        content.title = "<script>alert(\"hi\")</script> Tom & Jerry's"
        content.subtitle = "a <b>bold</b> claim"
        content.files.append(PageFile(path: "my clip #2 & more \"final\".mp4", role: "extra", bytes: 10, label: "<i>label</i>"))
        content.captions = [PageCaptionTrack(path: "captions.vtt", language: "en\"><script>", label: "Eng<lish>")]
        content.preflight = PagePreflight(verdict: .warn, findings: [
            PagePreflight.Item(level: .warn, code: "faces.small", message: "the face in <photo.png> is small & soft"),
        ], picture: "preflight.png")
        content.notes = ["loudness </li><li>injected"]
        let html = PageWriter.html(content)
        #expect(!html.contains("<script"), "a script tag got through")
        #expect(!html.contains("<b>") && !html.contains("<i>") && !html.contains("<photo.png>") && !html.contains("</li><li>injected"))
        #expect(html.contains("<title>&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s</title>"))
        #expect(html.contains("<h1>&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s</h1>"))
        #expect(html.contains("a &lt;b&gt;bold&lt;/b&gt; claim"))
        #expect(html.contains("href=\"my%20clip%20%232%20%26%20more%20%22final%22.mp4\""))
        #expect(html.contains(">my clip #2 &amp; more &quot;final&quot;.mp4</a>"))
        #expect(html.contains("&lt;i&gt;label&lt;/i&gt;"))
        #expect(html.contains("srclang=\"en&quot;&gt;&lt;script&gt;\" label=\"Eng&lt;lish&gt;\""))
        #expect(html.contains("the face in &lt;photo.png&gt; is small &amp; soft"))
        #expect(html.contains("<img src=\"preflight.png\""))
        #expect(html.contains("loudness &lt;/li&gt;&lt;li&gt;injected"))
    }

    @Test func pageIsSelfContained() {
        let html = PageWriter.html(sample())
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("src=\"//") && !html.contains("href=\"//"))
        // The only link is the empty icon, inline, that keeps browsers from asking for /favicon.ico.
        #expect(html.components(separatedBy: "<link").count == 2 && html.contains("<link rel=\"icon\" href=\"data:,\">"))
        #expect(!html.contains("<script") && !html.contains("@import") && !html.contains("url("))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<meta charset=\"utf-8\">") && html.contains("<style>"))
    }

    @Test func gatherFindsTheFilesOfAJobDirectory() throws {
        let directory = try makeJob()
        defer { directory.remove() }
        let content = PageContent.gather(jobDirectory: directory.path, title: "Demo")
        let roles = Dictionary(grouping: content.files, by: \.role).mapValues { $0.map(\.path) }
        #expect(roles[.rendition] == ["video-720p.mp4"])
        #expect(roles[.poster] == ["poster.png"])
        #expect(roles[.thumbnail]?.count == 5)
        #expect(Set(roles[.storyboard] ?? []) == ["storyboard.jpg", "storyboard.vtt"])
        #expect(roles[.preview] == ["preview.webp"])
        #expect(roles[.captions] == ["captions.vtt"])
        #expect(Set(roles[.preflight] ?? []) == ["preflight.json", "preflight.png"])
        #expect(content.poster == "poster.png" && content.storyboardTrack == "storyboard.vtt")
        #expect(content.captions == [PageCaptionTrack(path: "captions.vtt")])
        let video = try #require(content.renditions.first)
        #expect(video.width == 1280 && video.height == 720 && video.videoCodec == "h264" && video.audioCodec == "aac")
        let probed = try #require(Double(Judge.probeValue(directory.file("video-720p.mp4"), entry: "format=duration")))
        #expect(abs((video.duration ?? 0) - probed) < 0.01)
        #expect(video.bytes == JobFilesystem.size(of: directory.file("video-720p.mp4")))
        let preflight = try #require(content.preflight)
        #expect(preflight.verdict == .warn && preflight.findings.count == 2 && preflight.picture == "preflight.png")
        // The page round-trips as JSON for whoever stores it.
        let decoded = try JSONDecoder().decode(PageContent.self, from: JSONEncoder().encode(content))
        #expect(decoded == content)
    }

    // MARK: - In a real browser

    @Test(.enabled(if: PageTests.chromium != nil,
                   "Chromium is not installed: the browser check is skipped. scripts/setup.sh must install Debian's chromium so CI runs it."))
    func pagePlaysInChromiumWithItsCaptions() throws {
        let directory = try makeJob()
        defer { directory.remove() }
        let path = try PageWriter.write(PageContent.gather(jobDirectory: directory.path, title: "Demo <job>"), to: directory.path)
        #expect(path == directory.file("index.html"))
        let result = Shell.run("/bin/bash", [Self.checkPage, directory.path, "--json"])
        #expect(result.status == 0, "check-page said: \(result.stderr)")
        let report = try #require(CLI.json(result.stdout), "no JSON: \(result.stdout)")
        let expected = try #require(Double(Judge.probeValue(directory.file("video-720p.mp4"), entry: "format=duration")))
        let duration = try #require(report["duration"] as? Double)
        #expect(abs(duration - expected) <= 0.1, "the browser says \(duration) s, ffprobe \(expected) s")
        #expect(report["source"] as? String == "video-720p.mp4")
        let captions = try #require(report["captions"] as? [String: Any])
        #expect(captions["cues"] as? Int == 3 && captions["mode"] as? String == "showing", "\(captions)")
        let thumbnails = try #require(report["thumbnails"] as? [String: Any])
        #expect((thumbnails["cues"] as? Int ?? 0) >= 1, "\(thumbnails)")
        #expect(result.stderr.contains("check-page: ok"), "\(result.stderr)")
        let screenshot = directory.file("index.png")
        #expect(Judge.probeValue(screenshot, entry: "stream=codec_name") == "png")
        #expect((Int(Judge.probeValue(screenshot, entry: "stream=width")) ?? 0) >= 800)
    }

    @Test(.enabled(if: PageTests.chromium != nil, "Chromium is not installed: the browser check is skipped."))
    func checkPageFailsOnAWrongDurationAndAMissingTrack() throws {
        let directory = try makeJob()
        defer { directory.remove() }
        try PageWriter.write(PageContent.gather(jobDirectory: directory.path, title: "Demo"), to: directory.path)
        let wrong = Shell.run("/bin/bash", [Self.checkPage, directory.path, "--expect-duration", "9"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("check-page: FAIL") && wrong.stderr.contains("expected 9.000 s"), "\(wrong.stderr)")
        try FileManager.default.removeItem(atPath: directory.file("captions.vtt"))
        let missing = Shell.run("/bin/bash", [Self.checkPage, directory.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("names captions.vtt, which is not in"), "\(missing.stderr)")
        #expect(missing.stderr.contains("caption track") && missing.stderr.contains("failed to load"), "\(missing.stderr)")
    }

    @Test func checkPageRefusesADirectoryWithoutAPage() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let result = Shell.run("/bin/bash", [Self.checkPage, directory.path])
        #expect(result.status == 2 && result.stderr.contains("index.html: no such file"), "\(result.stderr)")
    }

    /// A small job directory: a rendition (the preview renderer's video), its pictures, a
    /// caption file written by hand, and a preflight report with its picture.
    func makeJob() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        do {
            let video = directory.file("video-720p.mp4")
            try FileManager.default.copyItem(atPath: try PictureVideos.avatar.get(), toPath: video)
            _ = try PictureMaker.make(video: video, into: directory.path)
            let captions = """
            WEBVTT

            00:00:00.000 --> 00:00:00.800
            Hello, and welcome

            00:00:00.840 --> 00:00:01.600
            to the <demo> & its page.

            00:00:01.640 --> 00:00:02.400
            Thank you.

            """
            try Data(captions.utf8).write(to: URL(fileURLWithPath: directory.file("captions.vtt")))
            let preflight = """
            {"verdict": "warn", "findings": [
              {"level": "ok", "code": "photo.format", "message": "PNG, a format the service takes"},
              {"level": "warn", "code": "framing.heavy_crop", "message": "cover cuts 22% off the top & bottom"}]}
            """
            try Data(preflight.utf8).write(to: URL(fileURLWithPath: directory.file("preflight.json")))
            try FileManager.default.copyItem(atPath: Fixtures.photo, toPath: directory.file("preflight.png"))
            return directory
        } catch {
            directory.remove()
            throw error
        }
    }
}
