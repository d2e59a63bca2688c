import Foundation

/// The batch's `index.html`: a contact sheet after the dry run (each row's preflight picture
/// and verdict), a gallery once rows are rendered (poster, the video with its captions, the
/// row's own page). Filtered by state with radio buttons and CSS alone: one self-contained
/// file, no script.
enum BatchPage {
    static func html(_ report: BatchReport) -> String {
        let states = BatchRowState.allCases.filter { state in report.rows.contains { $0.state == state } }
        var page = HTMLText()
        page.line("<!DOCTYPE html>")
        page.line("<html lang=\"en\">")
        page.line("<head>")
        page.line("<meta charset=\"utf-8\">")
        page.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.line("<meta name=\"generator\" content=\"avatarpipe\">")
        page.line("<link rel=\"icon\" href=\"data:,\">")
        page.line("<title>\(escape(title(report)))</title>")
        page.line("<style>\n\(style(states))</style>")
        page.line("</head>")
        page.line("<body>")
        page.line("<main>")
        page.line("<h1>\(escape(title(report)))</h1>")
        page.line("<p class=\"subtitle\">\(escape(summary(report)))</p>")
        page.line("<input type=\"radio\" name=\"state\" id=\"show-all\" checked>")
        for state in states { page.line("<input type=\"radio\" name=\"state\" id=\"show-\(state.rawValue)\">") }
        page.line("<nav class=\"filters\">")
        page.line("<label for=\"show-all\">all (\(report.rows.count))</label>")
        for state in states {
            let count = report.rows.filter { $0.state == state }.count
            page.line("<label for=\"show-\(state.rawValue)\">\(label(state)) (\(count))</label>")
        }
        page.line("</nav>")
        page.line("<section class=\"grid\">")
        for row in report.rows { card(row, into: &page) }
        page.line("</section>")
        page.line("</main>")
        page.line("</body>")
        page.line("</html>")
        return page.text
    }

    static func card(_ row: BatchReport.Row, into page: inout HTMLText) {
        page.line("<article class=\"card\" data-state=\"\(row.state.rawValue)\" id=\"row-\(escape(row.id))\">")
        if let video = row.files["video"] ?? row.files["render"] {
            let poster = row.files["poster"].map { " poster=\"\(escape($0))\"" } ?? ""
            page.line("<video controls preload=\"metadata\"\(poster)>")
            page.line("<source src=\"\(escape(video))\" type=\"video/mp4\">")
            if let captions = row.files["captions"] {
                page.line("<track kind=\"captions\" src=\"\(escape(captions))\" srclang=\"en\" label=\"Captions\" default>")
            }
            page.line("</video>")
        } else if let picture = row.files["preflight"] {
            page.line("<img src=\"\(escape(picture))\" alt=\"the photo of row \(escape(row.id)) as checked\" loading=\"lazy\">")
        } else {
            page.line("<div class=\"empty\">no picture</div>")
        }
        page.line("<h2>\(escape(row.id)) <span class=\"state \(row.state.rawValue)\">\(label(row.state))</span></h2>")
        var facts: [String] = []
        if let verdict = row.verdict { facts.append("check: \(verdict)") }
        if let cost = row.costUSD { facts.append(cost == 0 ? "reused (nothing paid)" : Format.usd(cost)) }
        if row.sample { facts.append("sample") }
        if !facts.isEmpty { page.line("<p class=\"facts\">\(escape(facts.joined(separator: " · ")))</p>") }
        if let text = row.error ?? row.finding { page.line("<p class=\"note\">\(escape(text))</p>") }
        if let jobPage = row.files["page"] { page.line("<p><a href=\"\(escape(jobPage))\">the row's page</a></p>") }
        page.line("</article>")
    }

    static func title(_ report: BatchReport) -> String {
        "Batch " + ((report.plan as NSString).lastPathComponent)
    }

    static func summary(_ report: BatchReport) -> String {
        let totals = report.totals
        var parts = ["\(totals.rows) rows", "\(totals.renders) render(s) to pay (\(totals.duplicates) duplicate row(s) collapsed)",
                     "\(totals.blocked + totals.unreadable) blocked or unreadable", "estimated \(Format.usd(totals.estimatedUSD))"]
        if totals.rendered > 0 || report.spend.total > 0 {
            parts.append("\(totals.rendered) rendered, \(totals.posted) posted, \(totals.failed) failed; spent \(Format.usd(report.spend.charged))")
        }
        return parts.joined(separator: " · ")
    }

    static func label(_ state: BatchRowState) -> String {
        switch state {
        case .maybeSubmitted: return "maybe submitted"
        case .rendering: return "in flight"
        default: return state.rawValue
        }
    }

    static func style(_ states: [BatchRowState]) -> String {
        var css = """
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f6f6f4; color: #222; }
        main { max-width: 1200px; margin: 0 auto; padding: 1.5rem; }
        h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
        .subtitle { color: #555; margin: 0 0 1rem; }
        input[type=radio] { display: none; }
        .filters label { display: inline-block; padding: .25rem .7rem; margin: 0 .3rem .4rem 0; border-radius: 1rem;
                         background: #e6e6e1; cursor: pointer; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1rem; margin-top: .8rem;
                align-items: start; }
        .card { background: #fff; border-radius: 8px; padding: .6rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
        .card video, .card img { width: 100%; border-radius: 4px; background: #111; display: block; }
        .card h2 { font-size: 1rem; margin: .5rem 0 .2rem; }
        .facts, .note { margin: .2rem 0; font-size: .85rem; color: #555; }
        .note { color: #8a4b00; }
        .empty { height: 140px; display: flex; align-items: center; justify-content: center; color: #999; background: #eee; }
        .state { font-size: .75rem; padding: .05rem .45rem; border-radius: .8rem; background: #ddd; font-weight: normal; }
        .state.posted, .state.rendered { background: #cdeccd; } .state.failed, .state.blocked, .state.unreadable { background: #f3c9c4; }
        .state.maybe_submitted, .state.held { background: #f5e1b5; } .state.rendering { background: #cfe0f6; }
        #show-all:checked ~ .filters label[for=show-all] { background: #333; color: #fff; }

        """
        for state in states {
            let name = state.rawValue
            css += "#show-\(name):checked ~ .grid .card:not([data-state=\(name)]) { display: none; }\n"
            css += "#show-\(name):checked ~ .filters label[for=show-\(name)] { background: #333; color: #fff; }\n"
        }
        return css
    }

    static func escape(_ text: String) -> String { PageWriter.escape(text) }
}
