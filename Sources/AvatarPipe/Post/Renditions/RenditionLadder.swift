/// The sizes a video is offered in: its own short side, then the standard steps below it
/// (1080, 720, 480), never larger than the source. A landscape rung is named by its height,
/// a portrait one by its width (its short side too): `1080p` is 1920×1080 or 1080×1920.
public struct RenditionLadder: Sendable, Equatable {
    public struct Rung: Sendable, Equatable, Codable {
        /// The short side, which names the rung (`720p`).
        public var shortSide: Int
        public var width: Int
        public var height: Int
        public var name: String { "\(shortSide)p" }
    }

    /// Short sides web players expect, largest first.
    public static let standardSteps = [1080, 720, 480]

    public var rungs: [Rung]

    /// The default ladder for a source of `width`×`height`; `steps` replaces the standard
    /// steps (short sides; those above the source are left out).
    public init(sourceWidth width: Int, sourceHeight height: Int, steps: [Int]? = nil) {
        let short = min(width, height)
        let own = short - short % 2
        var sides = steps.map { $0.filter { $0 <= own } } ?? ([own] + RenditionLadder.standardSteps.filter { $0 < own })
        sides = Array(Set(sides.map { $0 - $0 % 2 }.filter { $0 > 0 })).sorted(by: >)
        rungs = sides.map { side in
            RenditionLadder.rung(shortSide: side, sourceWidth: width, sourceHeight: height)
        }
    }

    /// The rung with short side `side`, the long side scaled to keep the source's aspect and
    /// rounded to the nearest even number.
    static func rung(shortSide side: Int, sourceWidth width: Int, sourceHeight height: Int) -> Rung {
        let short = Double(min(width, height)), long = Double(max(width, height))
        var scaledLong = Int((long * Double(side) / short / 2).rounded()) * 2
        if min(width, height) == side { scaledLong = max(width, height) - max(width, height) % 2 }
        return width >= height ? Rung(shortSide: side, width: scaledLong, height: side)
            : Rung(shortSide: side, width: side, height: scaledLong)
    }
}
