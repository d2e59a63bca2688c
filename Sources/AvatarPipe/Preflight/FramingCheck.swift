/// What the chosen orientation and fit do to the photo, and how the alternatives compare.
public struct FramingFacts: Codable, Sendable, Equatable {
    public var orientation: Orientation
    public var fit: Fit
    /// The chosen plan first, then the three alternatives.
    public var plans: [CropPlan]
}

public enum FramingCheck {
    /// Cover losing more than this share of the photo is worth a warning.
    public static let heavyCropFraction = 0.40
    /// Contain padding more than this share of the frame leaves the subject small.
    public static let heavyPadFraction = 0.50
    /// The frame's short side made from fewer photo pixels than 1080 / this looks soft.
    public static let maxUpscale = 2.5

    public static func run(photo: PhotoFacts, orientation: Orientation, fit: Fit) -> (FramingFacts, [Finding]) {
        guard let width = photo.width, let height = photo.height else {
            return (FramingFacts(orientation: orientation, fit: fit, plans: []), [])
        }
        let plans = CropPlan.all(photoWidth: width, photoHeight: height, chosen: (orientation, fit), head: photo.faces?.first?.head)
        let chosen = plans[0]
        var findings = [fit == .cover ? coverFinding(chosen, plans: plans) : containFinding(chosen, plans: plans)]
        if let cut = headCutFinding(chosen, plans: plans) { findings.append(cut) }
        if let upscale = upscaleFinding(chosen) { findings.append(upscale) }
        return (FramingFacts(orientation: orientation, fit: fit, plans: plans), findings)
    }

    static func coverFinding(_ plan: CropPlan, plans: [CropPlan]) -> Finding {
        let values: [String: FactValue] = [
            "lost_fraction": .of(plan.lostFraction), "cut_top": .of(plan.cut.top), "cut_bottom": .of(plan.cut.bottom),
            "cut_left": .of(plan.cut.left), "cut_right": .of(plan.cut.right),
        ]
        let what = "cover on \(plan.orientation.rawValue) \(plan.orientation.aspectLabel)"
        if plan.lostFraction <= 0.0005 {
            return Finding(.ok, "framing.cover", "\(what) keeps the whole photo", values: values)
        }
        let summary = "\(what) cuts \(plan.cut.describe("off")) (\(Format.percent(plan.lostFraction)) of the photo is lost)"
        guard plan.lostFraction > heavyCropFraction else {
            return Finding(.ok, "framing.cover", summary, values: values)
        }
        return Finding(.warn, "framing.heavy_crop", summary + ". " + suggestion(for: plan, plans: plans), values: values)
    }

    static func containFinding(_ plan: CropPlan, plans: [CropPlan]) -> Finding {
        let values: [String: FactValue] = [
            "padded_fraction": .of(plan.paddedFraction), "pad_top": .of(plan.pad.top), "pad_bottom": .of(plan.pad.bottom),
            "pad_left": .of(plan.pad.left), "pad_right": .of(plan.pad.right),
        ]
        let what = "contain on \(plan.orientation.rawValue) \(plan.orientation.aspectLabel)"
        if plan.paddedFraction <= 0.0005 {
            return Finding(.ok, "framing.contain", "\(what) fills the frame exactly", values: values)
        }
        let summary = "\(what) pads \(plan.pad.describe("on")) (\(Format.percent(plan.paddedFraction)) of the frame is padding)"
        guard plan.paddedFraction > heavyPadFraction else {
            return Finding(.ok, "framing.contain", summary, values: values)
        }
        let other = plans.first { $0.orientation != plan.orientation && $0.fit == .contain }
        let hint = other.map { " --orientation \($0.orientation.rawValue) pads \(Format.percent($0.paddedFraction))." } ?? ""
        return Finding(.warn, "framing.heavy_padding", summary + "; the photo will look small." + hint, values: values)
    }

    /// Names the alternative that keeps the most of the photo.
    static func suggestion(for plan: CropPlan, plans: [CropPlan]) -> String {
        let otherCover = plans.first { $0.fit == .cover && $0.orientation != plan.orientation }
        if let otherCover, otherCover.lostFraction < plan.lostFraction - 0.05 {
            return "--orientation \(otherCover.orientation.rawValue) loses \(Format.percent(otherCover.lostFraction)); "
                + "--fit contain keeps the whole photo and pads instead."
        }
        return "--fit contain keeps the whole photo and pads instead; or use a photo closer to \(plan.orientation.aspectLabel)."
    }

    /// Cover crops the centre: does the head survive, and if not, which choice keeps it?
    static func headCutFinding(_ plan: CropPlan, plans: [CropPlan]) -> Finding? {
        guard plan.headVisible == false, let head = plan.head else { return nil }
        let keeping = plans.dropFirst().filter { $0.headVisible == true }
            .map { "--orientation \($0.orientation.rawValue) --fit \($0.fit.rawValue)" }
        let options = keeping.isEmpty ? "" : " \(keeping.joined(separator: " or ")) keeps it;"
        return Finding(.warn, "framing.head_cut",
                       "cover on \(plan.orientation.rawValue) \(plan.orientation.aspectLabel) crops the centre of the photo and cuts "
                       + "into the head (hair and chin included).\(options) --reframe crops around the face instead.",
                       values: ["head_x": .of(head.x), "head_y": .of(head.y), "head_width": .of(head.width), "head_height": .of(head.height)])
    }

    static func upscaleFinding(_ plan: CropPlan) -> Finding? {
        guard plan.scale > maxUpscale else { return nil }
        let shortSide = Int(plan.sourceShortSide.rounded())
        return Finding(.warn, "framing.upscaled",
                       "the \(plan.frameWidth)×\(plan.frameHeight) frame is made from \(shortSide) px of photo on its short side "
                       + "(\(String(format: "%.1f", plan.scale))× enlargement); the video will look soft. A larger photo helps.",
                       values: ["scale": .of(plan.scale), "source_short_side": .of(shortSide)])
    }
}
