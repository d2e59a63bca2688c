import AvatarMedia
import Foundation

/// A picture could not be made: the message names the file and the problem.
public struct PictureError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let detail: String

    public init(path: String, _ detail: String) {
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(path): \(detail)" }
}

/// Makes the pictures a web page needs from a finished video: `poster.png`, `thumbs/`,
/// `storyboard.jpg` + `storyboard.vtt` and `preview.webp` (or `.gif`). The video is decoded
/// forward once for every small picture (candidates, thumbnails, tiles, preview frames),
/// then once more, from the nearest keyframe, for the full-size poster.
public enum PictureMaker {
    public static let posterName = "poster.png"
    public static let thumbnailDirectory = "thumbs"
    public static let storyboardImageName = "storyboard.jpg"
    public static let storyboardTrackName = "storyboard.vtt"

    /// Off the cooperative pool: decoding and face searches take seconds.
    public static func make(video: String, into directory: String, options: PictureOptions = PictureOptions()) async throws -> PictureSet {
        try await Offload.run { try make(video: video, into: directory, options: options) }
    }

    public static func make(video: String, into directory: String, options: PictureOptions = PictureOptions()) throws -> PictureSet {
        let reader = try VideoFrameReader(path: video)
        guard let duration = reader.duration, duration > 0 else {
            throw PictureError(path: video, "declares no duration; cannot place pictures on its timeline")
        }
        let range = try Self.range(options.range, duration: duration, path: video)
        var set = PictureSet(range: range)

        var speech: SpeechLevels?
        do {
            speech = try SpeechLevels.measure(options.audioPath ?? video)
        } catch let error as MediaError where error.kind == .noStream {
            set.notes.append("\(error.path) has no audio: pictures are spread over the whole video")
        } catch {
            set.notes.append("the audio could not be read (\(error)): pictures are spread over the whole video")
        }
        if let span = speech?.span {
            let start = max(span.start, range.start), end = min(span.end, range.end)
            if end - start >= 0.3 { set.speech = PictureSet.Span(start: start, end: end) }
        }
        // Posters, thumbnails and the preview come from the speech; the storyboard covers the range.
        let focus = set.speech ?? range

        // Pass 1: everything small that can be planned from the audio alone.
        var plan = FramePlan()
        let wants = options.outputs
        // Candidates also tell the preview where the video is black, so they are taken for it too.
        let candidateTimes = wants.contains(.poster) || wants.contains(.preview) ? posterTimes(options, focus: focus, range: range) : []
        // A few frames from the rest of the range stand by in case the speech is all over black.
        let backupTimes = wants.contains(.poster) && options.posterAt == nil && focus != range
            ? evenTimes(count: 4, over: range).filter { !focus.contains($0) } : []
        let analysis = reader.size(longSide: options.posterAnalysisLongSide)
        plan.add(candidateTimes + backupTimes, size: analysis, as: .candidate)

        let thumbnailTimes = wants.contains(.thumbnails) ? evenTimes(count: options.thumbnailCount, over: focus) : []
        let thumbnailSize = reader.size(width: min(options.thumbnailWidth, reader.displayWidth))
        plan.add(thumbnailTimes, size: thumbnailSize, as: .thumbnail)

        let tileSize = reader.size(width: min(options.storyboardTileWidth, reader.displayWidth))
        let layout = wants.contains(.storyboard) && options.storyboardInterval > 0
            ? StoryboardLayout(length: range.length, interval: options.storyboardInterval, tileWidth: tileSize.width,
                               tileHeight: tileSize.height, columns: options.storyboardColumns)
            : nil
        plan.add(layout?.cues.map { range.start + $0.tileTime } ?? [], size: tileSize, as: .tile)

        var candidates: [PosterCandidate?] = Array(repeating: nil, count: candidateTimes.count + backupTimes.count)
        var thumbnails: [VideoFrame?] = Array(repeating: nil, count: thumbnailTimes.count)
        var tiles: [RGBAImage?] = Array(repeating: nil, count: layout?.cues.count ?? 0)
        try reader.read(plan.requests) { index, frame in
            let (use, slot) = plan.uses[index]
            switch use {
            case .candidate: candidates[slot] = PosterCandidate(frame: frame, speech: speech, backup: slot >= candidateTimes.count)
            case .thumbnail: thumbnails[slot] = frame
            case .tile: tiles[slot] = frame.image
            case .poster, .preview: break
            }
        }

        // The poster is chosen, and the preview placed away from black or flat stretches
        // the candidates revealed.
        var judged = candidates.compactMap { $0 }
        var chosen: (time: Double, score: PosterScore)?
        if wants.contains(.poster), !judged.isEmpty {
            let faces = FaceAndEyes.shared(cascadeDirectory: options.cascadeDirectory ?? FaceFinder.cascadeDirectory())
            if let reason = faces.unavailableReason ?? faces.eyesUnavailableReason {
                set.notes.append("\(reason); the poster was chosen without it")
            }
            let (index, scores) = PosterJudge.choose(&judged, faceSearches: options.posterFaceSearches, search: faces.search)
            chosen = (judged[index].time, scores[index])
        }
        let stretch = clearStretch(of: focus, range: range, candidates: judged.filter { !$0.isBackup })
        let clip = wants.contains(.preview)
            ? previewClip(options, reader: reader, speech: speech, clear: stretch.clear, allowed: stretch.allowed) : nil

        // Pass 2, from the keyframes before them: the full-size poster and the preview's frames.
        var second = FramePlan()
        second.add(chosen.map { [$0.time] } ?? [], size: (reader.displayWidth, reader.height), as: .poster)
        second.add(clip?.times ?? [], size: clip?.size ?? (2, 2), as: .preview)
        var poster: VideoFrame?
        var previewFrames: [RGBAImage?] = Array(repeating: nil, count: clip?.times.count ?? 0)
        try reader.read(second.requests) { index, frame in
            let (use, slot) = second.uses[index]
            switch use {
            case .poster: poster = frame
            case .preview: previewFrames[slot] = frame.image
            case .candidate, .thumbnail, .tile: break
            }
        }

        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let poster, let chosen {
            try ImageEncoder.writePNG(poster.image, to: (directory as NSString).appendingPathComponent(posterName), keepAlpha: false)
            set.poster = PosterChoice(path: posterName, time: poster.time, width: poster.image.width, height: poster.image.height,
                                      overridden: options.posterAt != nil, candidates: judged.count, score: chosen.score)
        }
        if wants.contains(.thumbnails) {
            set.thumbnails = try writeThumbnails(thumbnails.compactMap { $0 }, directory: directory, options: options)
        }
        if let layout {
            set.storyboard = try writeStoryboard(tiles.compactMap { $0 }, layout: layout, directory: directory, options: options)
        }
        if let clip {
            set.preview = try writePreview(previewFrames.compactMap { $0 }, clip: clip, directory: directory, options: options,
                                           notes: &set.notes)
        }
        return set
    }

    // MARK: - Planning

    static func range(_ wanted: ClosedRange<Double>?, duration: Double, path: String) throws -> PictureSet.Span {
        guard let wanted else { return PictureSet.Span(start: 0, end: duration) }
        let start = max(0, wanted.lowerBound), end = min(duration, wanted.upperBound)
        guard end - start > 0.01 else {
            throw PictureError(path: path, "the range \(wanted.lowerBound)–\(wanted.upperBound) s lies outside its \(Format.seconds(duration))")
        }
        return PictureSet.Span(start: start, end: end)
    }

    /// `count` times spread evenly over `span`: the middles of `count` equal parts.
    static func evenTimes(count: Int, over span: PictureSet.Span) -> [Double] {
        guard count > 0 else { return [] }
        let step = span.length / Double(count)
        return (0..<count).map { span.start + (Double($0) + 0.5) * step }
    }

    static func posterTimes(_ options: PictureOptions, focus: PictureSet.Span, range: PictureSet.Span) -> [Double] {
        if let fixed = options.posterAt { return [min(max(fixed, range.start), range.end)] }
        let wanted = Int((focus.length / max(0.04, options.posterCandidateInterval)).rounded(.down))
        let count = min(max(1, options.posterMaxCandidates), max(options.posterMinCandidates, wanted))
        return evenTimes(count: count, over: focus)
    }

    /// The longest part of `focus` none of whose candidates is flat (black, one colour), and
    /// how far a clip may reach beyond it: to the range's edge on a side where no flat
    /// candidate bounds it. All of `focus` (and the range) when no candidate is flat, or all are.
    static func clearStretch(of focus: PictureSet.Span, range: PictureSet.Span,
                             candidates: [PosterCandidate]) -> (clear: PictureSet.Span, allowed: PictureSet.Span) {
        let sorted = candidates.sorted { $0.time < $1.time }
        guard sorted.contains(where: \.measures.flat), sorted.contains(where: { !$0.measures.flat }) else { return (focus, range) }
        var best: (clear: PictureSet.Span, allowed: PictureSet.Span)?
        var runStart: Int?
        for index in 0...sorted.count {
            let clear = index < sorted.count && !sorted[index].measures.flat
            if clear, runStart == nil { runStart = index }
            guard !clear, let first = runStart else { continue }
            // Where the picture turns flat between two candidates is not known: a run reaches
            // from its first to its last clear candidate, or to the focus's edge when no flat one bounds it.
            let start = first == 0 ? focus.start : sorted[first].time
            let end = index == sorted.count ? focus.end : sorted[index - 1].time
            let run = PictureSet.Span(start: max(focus.start, start), end: min(focus.end, end))
            let reach = PictureSet.Span(start: first == 0 ? range.start : run.start, end: index == sorted.count ? range.end : run.end)
            if run.length > (best?.clear.length ?? -1) { best = (run, reach) }
            runStart = nil
        }
        return best ?? (focus, range)
    }

    struct Clip {
        var start: Double
        var frameDuration: Double
        var times: [Double]
        var size: (width: Int, height: Int)
    }

    /// The preview's stretch: the liveliest `previewDuration` seconds of `clear` (the speech,
    /// less any flat stretch), every few source frames so the rate stays at or under
    /// `previewMaxFrameRate`. When `clear` is shorter, the clip reaches out into `allowed`.
    static func previewClip(_ options: PictureOptions, reader: VideoFrameReader, speech: SpeechLevels?,
                            clear: PictureSet.Span, allowed: PictureSet.Span) -> Clip? {
        let length = min(options.previewDuration, allowed.length)
        guard length > 0 else { return nil }
        let sourceRate = reader.frameRate ?? 25
        let step = max(1, Int((sourceRate / options.previewMaxFrameRate - 1e-9).rounded(.up)))
        // Whole milliseconds: WebP counts frame durations in them.
        let frameDuration = max(0.001, (Double(step) / sourceRate * 1000).rounded() / 1000)
        var start = clear.start + (clear.length - length) / 2
        if clear.length >= length, let speech { start = speech.liveliestWindow(length: length, within: clear) }
        start = min(max(start, allowed.start), allowed.end - length)
        let count = max(1, Int((length / frameDuration).rounded()))
        let times = (0..<count).map { start + Double($0) * frameDuration }
        return Clip(start: start, frameDuration: frameDuration, times: times, size: reader.size(longSide: options.previewLongSide))
    }

    /// The frame requests of the one decoding pass, and what each is for.
    struct FramePlan {
        enum Use { case candidate, thumbnail, tile, poster, preview }

        var requests: [FrameRequest] = []
        var uses: [(Use, Int)] = []

        mutating func add(_ times: [Double], size: (width: Int, height: Int), as use: Use) {
            for (slot, time) in times.enumerated() {
                requests.append(FrameRequest(time: time, width: size.width, height: size.height))
                uses.append((use, slot))
            }
        }
    }

    // MARK: - Writing

    static func writeThumbnails(_ frames: [VideoFrame], directory: String, options: PictureOptions) throws -> [ThumbnailPicture] {
        let folder = (directory as NSString).appendingPathComponent(thumbnailDirectory)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Thumbnails of an earlier run with another count or format would be taken for this run's.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix("thumb-") && (name.hasSuffix(".jpg") || name.hasSuffix(".png")) {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
        let digits = max(2, String(frames.count).count)
        return try frames.enumerated().map { index, frame in
            let number = String(index + 1)
            let name = "thumb-" + String(repeating: "0", count: digits - number.count) + number + "." + options.thumbnailFormat.fileExtension
            let path = (folder as NSString).appendingPathComponent(name)
            switch options.thumbnailFormat {
            case .jpeg: try ImageEncoder.writeJPEG(frame.image, to: path, quality: options.jpegQuality)
            case .png: try ImageEncoder.writePNG(frame.image, to: path, keepAlpha: false)
            }
            return ThumbnailPicture(path: thumbnailDirectory + "/" + name, time: frame.time, width: frame.image.width,
                                    height: frame.image.height)
        }
    }

    static func writeStoryboard(_ tiles: [RGBAImage], layout: StoryboardLayout, directory: String,
                                options: PictureOptions) throws -> StoryboardSheet {
        let sheet = try ImageGrid.compose(tiles, columns: layout.columns, tileWidth: layout.tileWidth, tileHeight: layout.tileHeight)
        try ImageEncoder.writeJPEG(sheet, to: (directory as NSString).appendingPathComponent(storyboardImageName),
                                   quality: options.storyboardQuality)
        let track = layout.webVTT(imageURL: storyboardImageName)
        try JobFilesystem.write(Data(track.utf8), to: (directory as NSString).appendingPathComponent(storyboardTrackName))
        return StoryboardSheet(imagePath: storyboardImageName, trackPath: storyboardTrackName, interval: layout.interval,
                               tileWidth: layout.tileWidth, tileHeight: layout.tileHeight, columns: layout.columns,
                               rows: layout.rows, tiles: layout.cues.count)
    }

    /// Writes the animation, smaller and coarser each time it comes out over `previewMaxBytes`.
    static func writePreview(_ frames: [RGBAImage], clip: Clip, directory: String, options: PictureOptions,
                             notes: inout [String]) throws -> PreviewAnimation? {
        guard let first = frames.first else { return nil }
        let name = "preview." + options.previewFormat.fileExtension
        let path = (directory as NSString).appendingPathComponent(name)
        var scale = 1.0, quality = 70, colors = 256
        for attempt in 1...4 {
            let width = max(2, 2 * Int((Double(first.width) * scale / 2).rounded()))
            let height = max(2, 2 * Int((Double(first.height) * scale / 2).rounded()))
            var settings = AnimatedImageWriter.Settings(format: options.previewFormat, width: width, height: height,
                                                        frameDuration: clip.frameDuration)
            settings.quality = quality
            settings.colors = colors
            let writer = try AnimatedImageWriter(path: path, settings: settings)
            for frame in frames {
                try writer.write(scale < 1 ? try ImageConverter.resize(frame, width: width, height: height) : frame)
            }
            try writer.finish()
            let bytes = JobFilesystem.size(of: path) ?? 0
            if bytes <= options.previewMaxBytes || attempt == 4 {
                if bytes > options.previewMaxBytes {
                    notes.append("\(name) is \(Format.bytes(bytes)) even at \(width)×\(height), over the \(Format.bytes(options.previewMaxBytes)) aimed for")
                } else if attempt > 1 {
                    notes.append("\(name) was made at \(width)×\(height) to stay under \(Format.bytes(options.previewMaxBytes))")
                }
                return PreviewAnimation(path: name, format: options.previewFormat, start: clip.start,
                                        duration: Double(frames.count) * clip.frameDuration, frames: frames.count,
                                        frameRate: 1 / clip.frameDuration, width: width, height: height, bytes: bytes)
            }
            scale *= 0.8
            quality = max(30, quality - 15)
            colors = max(32, colors / 2)
        }
        return nil
    }
}
