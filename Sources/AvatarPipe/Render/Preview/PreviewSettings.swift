/// What the local preview renders: the output geometry of the real service, its motion,
/// the pad style for `contain`, and the encoder settings.
public struct PreviewSettings: Sendable {
    public enum Resolution: String, Sendable, CaseIterable {
        case p1080 = "1080p", p720 = "720p"
        /// 320×180: not a size the service makes; quick stand-ins for tests.
        case p180 = "180p"

        /// The long and the short side.
        var sides: (long: Int, short: Int) {
            switch self {
            case .p1080: return (1920, 1080)
            case .p720: return (1280, 720)
            case .p180: return (320, 180)
            }
        }
    }

    public enum Padding: Sendable, Equatable {
        case color(RGBColor)
        /// A blurred, darkened copy of the photo fills the frame behind it.
        case blur
    }

    public var orientation: Orientation = .landscape
    public var fit: Fit = .cover
    public var resolution: Resolution = .p1080
    public var frameRate = 25
    public var padding: Padding = .blur
    public var badge = true
    /// What the badge says: the sandbox's stand-in renders say SANDBOX.
    public var badgeText = "PREVIEW"
    /// libx264 settings for a mostly still picture.
    public var preset = "veryfast"
    public var crf = 23
    /// Extra libx264 options, `key=value:key=value` as x264 takes them. A short look-ahead:
    /// the picture barely changes, so ten frames of it buy nothing but memory (measured on a
    /// 30 s 1080p preview: 325 MB → 290 MB peak, and a smaller file).
    public var x264Params: String? = "rc-lookahead=5"

    public init() {}

    /// 1920×1080 / 1280×720 landscape, 1080×1920 / 720×1280 portrait (and 320×180 for tests).
    public var frameSize: (width: Int, height: Int) {
        let (long, short) = resolution.sides
        return orientation == .landscape ? (long, short) : (short, long)
    }
}
