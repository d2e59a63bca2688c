import AvatarMedia
import Foundation

/// `index.html`: one self-contained page (inline CSS, no script, no outside asset) that plays
/// the video with its poster, captions on by default and the storyboard thumbnail track, and
/// lists every file for download with its size, and the preflight's verdict when there is one.
///
/// The video's sources come in the order a browser should try them: the HLS master (played
/// natively where the browser can, adaptively), the MP4 renditions largest first, then the
/// WebM. A browser takes the first it can play.
public enum PageWriter {
    public static let fileName = "index.html"

    /// Writes `index.html` into `directory` (whole or not at all); returns its path.
    @discardableResult
    public static func write(_ content: PageContent, to directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(fileName)
        try JobFilesystem.write(Data(html(content).utf8), to: path)
        return path
    }

    public static func html(_ content: PageContent) -> String {
        var page = HTMLText()
        page.line("<!DOCTYPE html>")
        page.line("<html lang=\"en\">")
        page.line("<head>")
        page.line("<meta charset=\"utf-8\">")
        page.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.line("<meta name=\"generator\" content=\"avatarpipe\">")
        // An empty icon: otherwise browsers ask the server for /favicon.ico.
        page.line("<link rel=\"icon\" href=\"data:,\">")
        page.line("<title>\(escape(content.title))</title>")
        page.line("<style>\n\(style)</style>")
        page.line("</head>")
        page.line("<body>")
        page.line("<main>")
        page.line("<h1>\(escape(content.title))</h1>")
        if let subtitle = content.subtitle, !subtitle.isEmpty { page.line("<p class=\"subtitle\">\(escape(subtitle))</p>") }
        video(content, into: &page)
        pictures(content, into: &page)
        downloads(content, into: &page)
        if let preflight = content.preflight { self.preflight(preflight, into: &page) }
        if !content.notes.isEmpty {
            page.line("<section class=\"notes\">")
            page.line("<h2>Notes</h2>")
            page.line("<ul>")
            for note in content.notes { page.line("<li>\(escape(note))</li>") }
            page.line("</ul>")
            page.line("</section>")
        }
        page.line("</main>")
        page.line("</body>")
        page.line("</html>")
        return page.text
    }

    // MARK: - Parts

    static func video(_ content: PageContent, into page: inout HTMLText) {
        let largest = content.renditions.first ?? content.files.first { $0.role == .webm }
        var attributes = "controls preload=\"metadata\" playsinline"
        if let poster = content.poster { attributes += " poster=\"\(url(poster))\"" }
        if let width = largest?.width, let height = largest?.height, width > 0, height > 0 {
            // The box has the video's shape before anything has loaded, so the page does not jump.
            attributes += " width=\"\(width)\" height=\"\(height)\""
        }
        page.line("<figure class=\"player\">")
        page.line("<video id=\"video\" \(attributes)>")
        for file in content.files where file.role == .hls {
            page.line("<source src=\"\(url(file.path))\" type=\"application/vnd.apple.mpegurl\">")
        }
        for file in content.renditions {
            page.line("<source src=\"\(url(file.path))\" type=\"video/mp4\"\(sizeAttribute(file))>")
        }
        for file in content.files where file.role == .webm {
            page.line("<source src=\"\(url(file.path))\" type=\"video/webm\"\(sizeAttribute(file))>")
        }
        for track in content.captions {
            page.line("<track kind=\"captions\" src=\"\(url(track.path))\" srclang=\"\(escape(track.language))\" "
                      + "label=\"\(escape(track.label))\"\(track.isDefault ? " default" : "")>")
        }
        if let storyboard = content.storyboardTrack {
            page.line("<track kind=\"metadata\" label=\"thumbnails\" src=\"\(url(storyboard))\">")
        }
        let fallback = content.renditions.first.map { " <a href=\"\(url($0.path))\">Download the video</a>." } ?? ""
        page.line("<p>Your browser cannot play this video.\(fallback)</p>")
        page.line("</video>")
        if let duration = content.duration {
            var facts = [Format.seconds(duration)]
            if let largest, let width = largest.width, let height = largest.height { facts.append(Format.size(width, height)) }
            if !content.captions.isEmpty { facts.append("captions") }
            page.line("<figcaption>\(escape(facts.joined(separator: " · ")))</figcaption>")
        }
        page.line("</figure>")
    }

    /// The animated preview and the thumbnails, small, each linking to its file.
    static func pictures(_ content: PageContent, into page: inout HTMLText) {
        let shown = content.files.filter { $0.role == .preview } + content.files.filter { $0.role == .thumbnail }
        guard !shown.isEmpty else { return }
        page.line("<section class=\"pictures\">")
        page.line("<h2>Pictures</h2>")
        page.line("<div class=\"strip\">")
        for file in shown {
            var size = ""
            if let width = file.width, let height = file.height, width > 0, height > 0 { size = " width=\"\(width)\" height=\"\(height)\"" }
            let alt = file.role == .preview ? "Animated preview" : "Thumbnail \((file.path as NSString).lastPathComponent)"
            page.line("<a href=\"\(url(file.path))\"><img src=\"\(url(file.path))\" alt=\"\(escape(alt))\"\(size) loading=\"lazy\"></a>")
        }
        page.line("</div>")
        page.line("</section>")
    }

    /// `data-width`/`data-height` on a source, for scripts that pick a rendition by screen size.
    static func sizeAttribute(_ file: PageFile) -> String {
        guard let width = file.width, let height = file.height else { return "" }
        return " data-width=\"\(width)\" data-height=\"\(height)\""
    }

    static func downloads(_ content: PageContent, into page: inout HTMLText) {
        guard !content.files.isEmpty else { return }
        page.line("<section class=\"downloads\">")
        page.line("<h2>Files</h2>")
        page.line("<table>")
        page.line("<thead><tr><th>File</th><th>What</th><th>Size</th><th>Bytes</th></tr></thead>")
        page.line("<tbody>")
        for file in ordered(content.files) {
            var facts: [String] = []
            if let width = file.width, let height = file.height, width > 0, height > 0 { facts.append(Format.size(width, height)) }
            if let duration = file.duration { facts.append(Format.seconds(duration)) }
            let codecs = [file.videoCodec, file.audioCodec].compactMap { $0 }
            if !codecs.isEmpty, file.duration != nil { facts.append(codecs.joined(separator: "/")) }
            let bytes = file.bytes.map { "<span title=\"\($0) bytes\">\(escape(Format.bytes($0)))</span>" } ?? "–"
            page.line("<tr><td><a href=\"\(url(file.path))\" download>\(escape(file.path))</a></td>"
                      + "<td>\(escape(file.label ?? describe(file.role)))</td><td>\(escape(facts.joined(separator: ", ")))</td>"
                      + "<td class=\"bytes\">\(bytes)</td></tr>")
        }
        page.line("</tbody>")
        page.line("</table>")
        page.line("</section>")
    }

    /// Videos first (largest first), then pictures, captions and the rest, each group in its given order.
    static func ordered(_ files: [PageFile]) -> [PageFile] {
        let rank: [PageFile.Role: Int] = [.rendition: 0, .hls: 1, .webm: 2, .poster: 3, .preview: 4, .thumbnail: 5,
                                          .storyboard: 6, .captions: 7, .manifest: 8, .preflight: 9, .render: 10]
        let renditions = PageContent(title: "", files: files).renditions
        let others = files.filter { $0.role != .rendition }.enumerated().sorted { a, b in
            let ra = rank[a.element.role] ?? 11, rb = rank[b.element.role] ?? 11
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
        return renditions + others
    }

    static func describe(_ role: PageFile.Role) -> String {
        switch role {
        case .rendition: return "Video (H.264/AAC MP4)"
        case .hls: return "HLS stream (master playlist)"
        case .webm: return "Video (VP9/Opus WebM)"
        case .poster: return "Poster"
        case .thumbnail: return "Thumbnail"
        case .storyboard: return "Storyboard (scrubbing previews)"
        case .preview: return "Animated preview"
        case .captions: return "Captions"
        case .manifest: return "Manifest (every file with its SHA-256)"
        case .preflight: return "Preflight check"
        case .render: return "Original render, as downloaded"
        default: return role.rawValue
        }
    }

    static func preflight(_ preflight: PagePreflight, into page: inout HTMLText) {
        page.line("<section class=\"preflight\">")
        page.line("<h2>Preflight <span class=\"level \(preflight.verdict.rawValue)\">\(escape(preflight.verdict.rawValue))</span></h2>")
        if let picture = preflight.picture {
            page.line("<img src=\"\(url(picture))\" alt=\"The photo as checked, with the face found and the video's frame\" loading=\"lazy\">")
        }
        if !preflight.findings.isEmpty {
            page.line("<ul class=\"findings\">")
            for finding in preflight.findings {
                page.line("<li><span class=\"level \(finding.level.rawValue)\">\(escape(finding.level.rawValue))</span> "
                          + "<code>\(escape(finding.code))</code> \(escape(finding.message))</li>")
            }
            page.line("</ul>")
        }
        page.line("</section>")
    }

    // MARK: - Escaping

    /// Text for element content and quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// A relative path as a URL in an attribute: each segment percent-encoded (a space, `#`,
    /// `?` or `%` in a file name stays part of the name), then escaped for the attribute.
    public static func url(_ path: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        }.joined(separator: "/")
        return escape(encoded)
    }

    static let style = """
    :root { color-scheme: light dark; --ink: #1d2126; --muted: #5d6773; --line: #d8dde3; --paper: #ffffff; --accent: #2f6fdf; }
    @media (prefers-color-scheme: dark) { :root { --ink: #e8ebef; --muted: #a2adb9; --line: #39414b; --paper: #15191e; --accent: #7aa7ff; } }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--paper); color: var(--ink); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
    h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
    h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; }
    .subtitle, figcaption { color: var(--muted); margin: 0 0 1rem; }
    figure.player { margin: 1rem 0 0; }
    video { display: block; width: 100%; height: auto; max-height: 80vh; background: #000; border-radius: 8px; }
    figcaption { margin-top: .5rem; font-size: .9rem; }
    a { color: var(--accent); }
    table { width: 100%; border-collapse: collapse; font-size: .92rem; }
    th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    td:first-child { overflow-wrap: anywhere; }
    td.bytes { white-space: nowrap; text-align: right; }
    th:last-child { text-align: right; }
    .strip { display: flex; flex-wrap: wrap; gap: .5rem; }
    .strip img { display: block; height: 90px; width: auto; border-radius: 4px; background: #000; }
    .preflight img { display: block; max-width: 100%; height: auto; border-radius: 6px; margin-bottom: 1rem; }
    .findings { list-style: none; padding: 0; margin: 0; }
    .findings li { padding: .35rem 0; border-bottom: 1px solid var(--line); }
    .level { display: inline-block; min-width: 3.2em; padding: 0 .4em; border-radius: 4px; font-size: .8rem; font-weight: 600; text-align: center; text-transform: uppercase; color: #fff; }
    .level.ok { background: #2e8540; } .level.warn { background: #b7791f; } .level.block { background: #c53030; }
    code { font-size: .85em; }
    .notes { color: var(--muted); }
    @media (max-width: 600px) { main { padding: 1rem .5rem 2rem; } th:nth-child(3), td:nth-child(3) { display: none; } }

    """
}

/// A page built line by line.
struct HTMLText {
    private(set) var text = ""

    mutating func line(_ line: String) {
        text += line
        text += "\n"
    }
}
