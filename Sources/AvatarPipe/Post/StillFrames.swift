import AvatarMedia

/// Where a video's picture starts and stops changing: frames sampled every `step` seconds,
/// small and gray, each compared with the one before; the leading and trailing stretches
/// where they differ by less than `threshold` (mean absolute difference, 0–255) are still.
/// `--trim-silence` uses it when a video has no audio to find the speech by.
enum StillFrames {
    /// The range from the last still frame before the motion to the last moving frame, or
    /// nil when the picture never changes.
    static func motionRange(_ path: String, step: Double = 0.2, threshold: Double = 0.75) throws -> ClosedRange<Double>? {
        let reader = try VideoFrameReader(path: path)
        guard let duration = reader.duration, duration > 2 * step else { return nil }
        let size = reader.size(width: 64)
        let times = Array(stride(from: 0, to: duration, by: step))
        let frames = try reader.frames(at: times, width: size.width, height: size.height)
        guard frames.count > 1 else { return nil }
        let moving = (1..<frames.count).filter { difference(frames[$0 - 1].image, frames[$0].image) >= threshold }
        guard let first = moving.first, let last = moving.last else { return nil }
        return frames[first - 1].time...frames[last].time
    }

    /// Mean absolute difference of the green channel (a stand-in for luma) of two images.
    static func difference(_ a: RGBAImage, _ b: RGBAImage) -> Double {
        guard a.width == b.width, a.height == b.height, !a.pixels.isEmpty else { return .infinity }
        var total = 0
        for index in stride(from: 1, to: a.pixels.count, by: 4) { total += abs(Int(a.pixels[index]) - Int(b.pixels[index])) }
        return Double(total) / Double(a.pixels.count / 4)
    }
}
