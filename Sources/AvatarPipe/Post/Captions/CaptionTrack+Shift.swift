extension CaptionTrack {
    /// Moves every cue by `offset` seconds (a trim that starts later makes it negative) and
    /// keeps what falls inside `window`: cues wholly outside are dropped, cues across an edge
    /// are cut at it.
    public mutating func shift(by offset: Double, keepingWithin window: ClosedRange<Double>) {
        cues = cues.compactMap { cue in
            var moved = cue
            moved.start = max(window.lowerBound, cue.start + offset)
            moved.end = min(window.upperBound, cue.end + offset)
            moved.speechStart = cue.speechStart + offset
            moved.speechEnd = cue.speechEnd + offset
            return moved.end - moved.start >= 0.2 ? moved : nil
        }
    }
}
