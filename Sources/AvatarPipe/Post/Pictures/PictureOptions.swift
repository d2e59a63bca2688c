import AvatarMedia

/// What the picture stage makes and how: poster, thumbnails, storyboard, animated preview.
public struct PictureOptions: Sendable {
    public enum Output: String, Sendable, CaseIterable, Codable {
        case poster, thumbnails, storyboard, preview
    }

    public enum StillFormat: String, Sendable, Codable, CaseIterable {
        case jpeg, png

        public var fileExtension: String { self == .jpeg ? "jpg" : "png" }
    }

    public var outputs: Set<Output> = Set(Output.allCases)
    /// The part of the video the pictures are of (a trim kept by the renditions), in the
    /// video's timeline; nil takes all of it. The storyboard track counts from its start.
    public var range: ClosedRange<Double>?
    /// Audio whose speech steers the choices, on the video's timeline; nil uses the video's own.
    public var audioPath: String?
    /// Directory of the Haar cascades (faces, eyes); nil: `FaceFinder.cascadeDirectory()`.
    public var cascadeDirectory: String?

    /// Take the poster at this time instead of choosing one (`--poster-at`).
    public var posterAt: Double?
    /// Candidate posters are sampled this often over the speech…
    public var posterCandidateInterval = 0.5
    /// …but never fewer than this many (the interval shrinks for short speech)…
    public var posterMinCandidates = 8
    /// …nor more than this many (the interval grows for long videos).
    public var posterMaxCandidates = 60
    /// How many of the best candidates by the cheap measures get the face and eye search.
    public var posterFaceSearches = 8
    /// The long side of the copies candidates are judged on.
    public var posterAnalysisLongSide = 640

    public var thumbnailCount = 5
    public var thumbnailWidth = 320
    public var thumbnailFormat: StillFormat = .jpeg
    public var jpegQuality = 85

    /// One storyboard tile every this many seconds.
    public var storyboardInterval = 2.0
    public var storyboardTileWidth = 160
    public var storyboardColumns = 10
    public var storyboardQuality = 75

    public var previewFormat: AnimatedImageWriter.Format = .webp
    /// Seconds of video in the animated preview (2–3 s reads as a glimpse, not a clip).
    public var previewDuration = 2.5
    public var previewLongSide = 400
    public var previewMaxFrameRate = 15.0
    /// The preview is made smaller until it fits.
    public var previewMaxBytes: Int64 = 1_000_000

    public init() {}
}
