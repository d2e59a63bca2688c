import AvatarMedia
import Foundation

/// `preflight.png`: the photo as the check saw it, with the face box, the frame the chosen
/// orientation and fit give (what cover cuts is dimmed; what contain pads is shown grey),
/// and the verdict in a banner. Drawn with libavfilter's drawbox/drawtext, written with libpng.
public enum PreflightPicture {
    public static let maxLongSide = 1024
    public static let fontCandidates = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ]

    public static func write(_ image: RGBAImage, report: PreflightReport, to path: String) throws {
        try ImageEncoder.writePNG(try render(image, report: report), to: path, keepAlpha: false)
    }

    public static func render(_ image: RGBAImage, report: PreflightReport) throws -> RGBAImage {
        let scale = min(1, Double(maxLongSide) / Double(max(image.width, image.height)))
        let width = max(1, Int((Double(image.width) * scale).rounded())), height = max(1, Int((Double(image.height) * scale).rounded()))
        let small = try ImageConverter.resize(image, width: width, height: height, filter: .area)
        let plan = report.framing?.plans.first
        var chain: [FilterSpec] = []
        var offset = (x: 0.0, y: 0.0)
        if let plan, plan.fit == .contain {
            let (padding, origin) = pad(width: width, height: height, plan: plan)
            chain.append(padding)
            offset = origin
        } else if let plan {
            chain += coverBoxes(plan: plan, scale: scale, width: width, height: height)
        }
        let line = max(2, max(width, height) / 250)
        for (index, face) in (report.photo?.faces ?? []).enumerated() {
            chain.append(box(Rect(x: face.x * scale + offset.x, y: face.y * scale + offset.y,
                                  width: face.width * scale, height: face.height * scale),
                             color: index == 0 ? "lime" : "orange", thickness: line))
        }
        let canvasWidth = Int(Double(width) + 2 * offset.x)
        chain += banner(report, width: canvasWidth)
        return try ImageFilter.apply(chain, to: small)
    }

    /// Contain: the photo centred on a grey canvas of the frame's aspect.
    static func pad(width: Int, height: Int, plan: CropPlan) -> (FilterSpec, (x: Double, y: Double)) {
        let aspect = Double(plan.frameWidth) / Double(plan.frameHeight)
        var canvasWidth = Double(width), canvasHeight = Double(height)
        if canvasWidth / canvasHeight < aspect { canvasWidth = canvasHeight * aspect } else { canvasHeight = canvasWidth / aspect }
        let w = Int(canvasWidth.rounded()) & ~1, h = Int(canvasHeight.rounded()) & ~1
        let x = (w - width) / 2, y = (h - height) / 2
        return (FilterSpec("pad", [("width", "\(max(w, width))"), ("height", "\(max(h, height))"), ("x", "\(x)"), ("y", "\(y)"),
                                   ("color", "0x3a3a3a")]), (Double(x), Double(y)))
    }

    /// Cover: dim the parts the crop loses and outline the frame.
    static func coverBoxes(plan: CropPlan, scale: Double, width: Int, height: Int) -> [FilterSpec] {
        let visible = Rect(x: plan.visible.x * scale, y: plan.visible.y * scale,
                           width: plan.visible.width * scale, height: plan.visible.height * scale)
        var bands: [Rect] = []
        if visible.y > 0.5 { bands.append(Rect(x: 0, y: 0, width: Double(width), height: visible.y)) }
        if visible.maxY < Double(height) - 0.5 { bands.append(Rect(x: 0, y: visible.maxY, width: Double(width), height: Double(height) - visible.maxY)) }
        if visible.x > 0.5 { bands.append(Rect(x: 0, y: visible.y, width: visible.x, height: visible.height)) }
        if visible.maxX < Double(width) - 0.5 { bands.append(Rect(x: visible.maxX, y: visible.y, width: Double(width) - visible.maxX, height: visible.height)) }
        return bands.map { box($0, color: "black@0.55", thickness: nil) }
            + [box(visible, color: "yellow", thickness: max(2, max(width, height) / 300))]
    }

    static func box(_ rect: Rect, color: String, thickness: Int?) -> FilterSpec {
        FilterSpec("drawbox", [("x", "\(Int(rect.x.rounded()))"), ("y", "\(Int(rect.y.rounded()))"),
                               ("w", "\(max(1, Int(rect.width.rounded())))"), ("h", "\(max(1, Int(rect.height.rounded())))"),
                               ("color", color), ("t", thickness.map(String.init) ?? "fill")])
    }

    /// A dark strip across the top with the verdict, coloured by level.
    static func banner(_ report: PreflightReport, width: Int) -> [FilterSpec] {
        let fontSize = max(12, width / 36)
        let strip = fontSize * 2
        var specs = [box(Rect(x: 0, y: 0, width: Double(width), height: Double(strip)), color: "black@0.6", thickness: nil)]
        guard let font = fontCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return specs }
        let colors: [Level: String] = [.ok: "0x4cd964", .warn: "0xffcc00", .block: "0xff3b30"]
        specs.append(FilterSpec("drawtext", [("fontfile", font), ("text", bannerText(report)), ("expansion", "none"),
                                             ("fontsize", "\(fontSize)"), ("fontcolor", colors[report.verdict] ?? "white"),
                                             ("x", "\(fontSize / 2)"), ("y", "\(fontSize / 2)")]))
        return specs
    }

    static func bannerText(_ report: PreflightReport) -> String {
        var parts = [report.verdict.rawValue.uppercased()]
        if let framing = report.framing {
            parts.append("\(framing.orientation.rawValue) \(framing.orientation.aspectLabel), \(framing.fit.rawValue)")
        }
        let faces = report.photo?.faces?.count
        if let faces { parts.append(faces == 1 ? "1 face" : "\(faces) faces") }
        let problems = report.findings.filter { $0.level != .ok }.prefix(2).map(\.code)
        if !problems.isEmpty { parts.append(problems.joined(separator: ", ")) }
        return parts.joined(separator: "  ·  ")
    }
}
