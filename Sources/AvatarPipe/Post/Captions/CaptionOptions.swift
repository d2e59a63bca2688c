import Foundation

/// The rules captions are cut and shown by, and the settings of the alignment.
public struct CaptionOptions: Sendable, Equatable {
    public var maxLineLength = 42
    public var maxLines = 2
    /// A cue is shown at least this long (5/6 s: 20 frames at 24 fps)…
    public var minCueDuration = 5.0 / 6.0
    /// …and at most this long.
    public var maxCueDuration = 7.0
    /// Reading speed the cues should not exceed.
    public var maxCharactersPerSecond = 20.0
    /// The rate the cues aim for when they can.
    public var comfortableCharactersPerSecond = 17.0
    /// The video's frame rate and the gap between cues in frames.
    public var frameRate = 25.0
    public var minGapFrames = 2
    /// espeak-ng's voice for the reference speech.
    public var voice = "en-us"
    /// A cue edge moves to a speech onset (or offset) found by voice-activity detection when
    /// one is this close.
    public var snapWindow = 0.150
    /// The DTW band around the diagonal, in seconds.
    public var band = 3.0
    /// Under this SNR (dB) the track is marked unreliable.
    public var minimumSNR = 5.0
    /// Skip the alignment and spread the words over the speech (for comparison and tests).
    public var forceFallback = false

    public var minGap: Double { Double(minGapFrames) / frameRate }

    public init() {}
}
