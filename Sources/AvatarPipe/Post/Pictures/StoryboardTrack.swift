import Foundation

/// The layout of a storyboard: one tile every `interval` seconds of the range, in a grid,
/// and the WebVTT thumbnail track that points each stretch of time at its tile
/// (`storyboard.jpg#xywh=x,y,w,h`), as web players read it for scrubbing previews.
struct StoryboardLayout: Sendable, Equatable {
    struct Cue: Sendable, Equatable {
        /// Milliseconds from the start of the range; a cue ends where the next one starts.
        var startMilliseconds: Int
        var endMilliseconds: Int
        /// The time the tile is taken at, in seconds from the start of the range.
        var tileTime: Double
    }

    var interval: Double
    var tileWidth: Int
    var tileHeight: Int
    var columns: Int
    var cues: [Cue]

    var rows: Int { (cues.count + columns - 1) / columns }
    var sheetWidth: Int { min(columns, cues.count) * tileWidth }

    /// Tiles every `interval` seconds over `length` seconds; a last stretch shorter than an
    /// eighth of the interval joins the cue before it. Each tile shows the middle of its cue.
    init(length: Double, interval: Double, tileWidth: Int, tileHeight: Int, columns: Int) {
        self.interval = interval
        self.tileWidth = tileWidth
        self.tileHeight = tileHeight
        let totalMilliseconds = max(1, Int((length * 1000).rounded()))
        let step = max(1, Int((interval * 1000).rounded()))
        var count = max(1, (totalMilliseconds + step - 1) / step)
        if count > 1, totalMilliseconds - (count - 1) * step < step / 8 { count -= 1 }
        cues = (0..<count).map { i in
            let start = i * step
            let end = i == count - 1 ? totalMilliseconds : (i + 1) * step
            return Cue(startMilliseconds: start, endMilliseconds: end, tileTime: Double(start + end) / 2000)
        }
        self.columns = max(1, min(columns, count))
    }

    /// The WebVTT text, the image named as `imageURL` (relative to the track).
    func webVTT(imageURL: String) -> String {
        var text = "WEBVTT\n"
        for (index, cue) in cues.enumerated() {
            let x = (index % columns) * tileWidth, y = (index / columns) * tileHeight
            text += "\n\(Self.timestamp(cue.startMilliseconds)) --> \(Self.timestamp(cue.endMilliseconds))\n"
            text += "\(imageURL)#xywh=\(x),\(y),\(tileWidth),\(tileHeight)\n"
        }
        return text
    }

    /// `HH:MM:SS.mmm`, as WebVTT writes times (the captions' formatter).
    static func timestamp(_ milliseconds: Int) -> String {
        CaptionWriter.timestamp(Double(max(0, milliseconds)) / 1000, separator: ".")
    }
}
