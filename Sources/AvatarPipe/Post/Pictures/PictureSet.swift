import AvatarMedia

/// What the picture stage wrote, for the manifest and the page. Every time is in seconds on
/// the timeline of the video the pictures were taken from; paths are relative to the
/// directory they were written to.
public struct PictureSet: Codable, Sendable {
    public struct Span: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double

        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }

        public var length: Double { max(0, end - start) }
        public func contains(_ time: Double) -> Bool { time >= start && time <= end }
    }

    /// The part of the video the pictures are of.
    public var range: Span
    /// Where the speech is inside `range`; nil when the audio is missing or silent (then the
    /// choices are spread over the whole range).
    public var speech: Span?
    public var poster: PosterChoice?
    public var thumbnails: [ThumbnailPicture] = []
    public var storyboard: StoryboardSheet?
    public var preview: PreviewAnimation?
    /// Things worth knowing: a face search that could not run, a preview shrunk to fit…
    public var notes: [String] = []

    /// Every file written, relative to the directory.
    public var files: [String] {
        [poster?.path].compactMap { $0 } + thumbnails.map(\.path)
            + [storyboard?.imagePath, storyboard?.trackPath, preview?.path].compactMap { $0 }
    }
}

/// `poster.png`: the chosen frame, when it shows and why it was chosen.
public struct PosterChoice: Codable, Sendable {
    public var path: String
    public var time: Double
    public var width: Int
    public var height: Int
    /// True when the time was given (`--poster-at`) rather than chosen.
    public var overridden: Bool
    /// How many frames were judged.
    public var candidates: Int
    public var score: PosterScore
}

/// How a candidate frame scored. Each part is 0 (bad) to 1 (good); a part that could not be
/// judged (no face detector, no audio) is nil and left out of the total.
public struct PosterScore: Codable, Sendable, Equatable {
    /// The weighted mean of the parts; 0 for a flat (black, white, one-colour) frame.
    public var total: Double
    /// Black, white or one colour: never a poster while anything else is there.
    public var flat: Bool
    /// Variance of the Laplacian (contrast-normalised), relative to the sharpest candidate.
    public var sharpness: Double
    /// Brightness of the face (or the frame) and how little of it is clipped.
    public var exposure: Double
    /// Closeness of the colour histogram to the candidates' mean (FFmpeg's thumbnail filter's measure).
    public var typicality: Double
    /// 1 when a frontal face of a fair size is in the frame.
    public var face: Double?
    /// Share of the two eyes the eye cascade finds in the face's upper half (open eyes show).
    public var eyes: Double?
    /// 1 in a pause of the speech (the mouth at rest), falling to 0 at loud speech.
    public var mouthRest: Double?

    // The measurements behind the parts.
    public var meanLuma: Double
    public var lumaDeviation: Double
    public var laplacianVariance: Double
    public var histogramDistance: Double
    public var faceCount: Int?
    public var eyeCount: Int?
    public var speechLevelDBFS: Double?

    /// The score as manifest facts (`Manifest.Entry.details`).
    public var details: [String: FactValue] {
        var out: [String: FactValue] = [
            "score": .of(total), "flat": .flag(flat), "sharpness": .of(sharpness), "exposure": .of(exposure),
            "typicality": .of(typicality), "mean_luma": .of(meanLuma), "luma_deviation": .of(lumaDeviation),
            "laplacian_variance": .of(laplacianVariance), "histogram_distance": .of(histogramDistance),
        ]
        if let face { out["face"] = .of(face) }
        if let eyes { out["eyes"] = .of(eyes) }
        if let mouthRest { out["mouth_rest"] = .of(mouthRest) }
        if let faceCount { out["face_count"] = .of(faceCount) }
        if let eyeCount { out["eye_count"] = .of(eyeCount) }
        if let speechLevelDBFS { out["speech_level_dbfs"] = .of(speechLevelDBFS) }
        return out
    }
}

/// One of `thumbs/`.
public struct ThumbnailPicture: Codable, Sendable, Equatable {
    public var path: String
    /// When the frame shows.
    public var time: Double
    public var width: Int
    public var height: Int
}

/// `storyboard.jpg` and its WebVTT thumbnail track `storyboard.vtt`.
public struct StoryboardSheet: Codable, Sendable, Equatable {
    public var imagePath: String
    public var trackPath: String
    /// Seconds each tile stands for.
    public var interval: Double
    public var tileWidth: Int
    public var tileHeight: Int
    public var columns: Int
    public var rows: Int
    public var tiles: Int
}

/// `preview.webp` or `preview.gif`: a few looping seconds of the video.
public struct PreviewAnimation: Codable, Sendable, Equatable {
    public var path: String
    public var format: AnimatedImageWriter.Format
    /// Where the clip starts in the video, and how long it lasts.
    public var start: Double
    public var duration: Double
    public var frames: Int
    public var frameRate: Double
    public var width: Int
    public var height: Int
    public var bytes: Int64
}
