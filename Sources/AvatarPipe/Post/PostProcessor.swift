import AvatarMedia
import Foundation

/// What post-processing makes of a video, and how.
public struct PostOptions: Sendable {
    public enum Trim: Sendable, Equatable {
        /// Source seconds `[start, end)`; nil end: to the end.
        case range(start: Double, end: Double?)
        /// Cut leading and trailing silence, keeping this many seconds around the speech.
        case silence(margin: Double)
    }

    public var title: String
    public var script: String?
    public var trim: Trim?
    public var renditions = RenditionOptions()
    public var pictures = PictureOptions()
    public var captions = CaptionOptions()
    public var page = true
    /// Draw the captions into the renditions' pictures as well (they stay in their files too).
    public var burnCaptions = false

    public init(title: String) {
        self.title = title
    }
}

public struct PostResult: Codable, Sendable {
    public var manifest: Manifest
    public var renditions: RenditionsResult
    public var pictures: PictureSet?
    public var captionMethod: String?
    public var notes: [String]
}

public struct PostError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// 2: the input cannot be used at all; 1: it failed on the way.
    public var exitCode: Int32
}

/// Everything a web page needs from one video, into one directory: renditions (and HLS,
/// WebM), captions timed to the speech, poster, thumbnails, storyboard, an animated preview,
/// `manifest.json` and `index.html`. The source (the paid `render.mp4`) is only read.
public enum PostProcessor {
    public static func run(video: String, into directory: String, options: PostOptions,
                           observer: RunObserver? = nil) async throws -> PostResult {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let info = try probe(video)
        var timings: [String: Double] = [:]
        var notes: [String] = []
        let clock = ContinuousClock()

        var start = clock.now
        let trim = try await trimRange(options.trim, video: video, info: info, notes: &notes)
        var trimmedOptions = options.renditions
        trimmedOptions.trim = trim.map { TrimRange(start: $0.lowerBound, end: $0.upperBound) }

        observer?.stage("captions", options.script == nil ? "no script: no captions" : "timing the captions to the speech")
        let track = try await captions(options, video: video, info: info, trim: trim, into: directory, notes: &notes)
        let captionMethod = track?.method.rawValue
        timings["captions"] = seconds(clock.now - start)
        trimmedOptions.burnCaptions = try burnScript(track, options: options, info: info, in: directory, notes: &notes)
        defer { trimmedOptions.burnCaptions.map { try? FileManager.default.removeItem(atPath: $0) } }
        let renditionOptions = trimmedOptions

        start = clock.now
        observer?.stage("renditions", "encoding the web renditions (decoded once, each rung encoded once)")
        let renditions: RenditionsResult
        do {
            renditions = try await Offload.run { 
                try Renditions.make(source: video, in: directory, options: renditionOptions) { progress in
                    observer?.working("renditions", done: progress.framesDone, total: progress.totalFrames, unit: "frames")
                }
            }
        } catch {
            throw PostError(description: "renditions failed: \(error)", exitCode: 1)
        }
        timings["renditions"] = seconds(clock.now - start)

        start = clock.now
        observer?.stage("pictures", "choosing the poster, thumbnails, storyboard and preview")
        var pictureOptions = options.pictures
        pictureOptions.range = trim
        pictureOptions.audioPath = info.firstAudio != nil ? video : nil
        let pictures: PictureSet?
        do {
            pictures = try await PictureMaker.make(video: video, into: directory, options: pictureOptions)
        } catch {
            pictures = nil
            notes.append("pictures were not made: \(error)")
        }
        timings["pictures"] = seconds(clock.now - start)

        var manifest = try buildManifest(video: video, directory: directory, renditions: renditions, pictures: pictures,
                                         captions: track != nil, notes: notes)
        manifest.timings = timings
        manifest.captions = captionMethod
        try manifest.write(to: directory)
        if options.page {
            let content = PageContent.gather(jobDirectory: directory, title: options.title)
            _ = try PageWriter.write(content, to: directory)
            manifest.files.append(try Manifest.entry("index.html", role: "page", in: directory))
            try manifest.write(to: directory)
        }
        return PostResult(manifest: manifest, renditions: renditions, pictures: pictures, captionMethod: captionMethod, notes: notes)
    }

    static func probe(_ video: String) throws -> MediaInfo {
        let info: MediaInfo
        do {
            info = try MediaProbe.probe(video)
        } catch let error as MediaError {
            throw PostError(description: error.description, exitCode: error.isUnreadableInput ? 2 : 1)
        } catch {
            let text = "\(error)"
            throw PostError(description: text.contains(video) ? text : "\(video): \(text)", exitCode: 1)
        }
        guard info.firstVideo != nil else {
            throw PostError(description: "\(video) holds no video stream" + (info.firstAudio != nil ? " (audio only)" : ""), exitCode: 2)
        }
        return info
    }

    /// The source range to keep, in seconds: as given, or around the speech.
    static func trimRange(_ trim: PostOptions.Trim?, video: String, info: MediaInfo, notes: inout [String]) async throws -> ClosedRange<Double>? {
        let duration = info.firstVideo?.duration ?? info.duration ?? 0
        switch trim {
        case .none:
            return nil
        case .range(let start, let end):
            let stop = min(end ?? duration, duration)
            guard start >= 0, stop > start else {
                throw PostError(description: "--trim \(start)-\(end.map { String($0) } ?? ""): the range must lie inside the video's \(Format.seconds(duration))",
                                exitCode: 2)
            }
            return start...stop
        case .silence(let margin):
            guard info.firstAudio != nil else { return try await stillTrim(video, duration: duration, margin: margin, notes: &notes) }
            let activity = try await Offload.run { try speechActivity(video) }
            guard !activity.isSilent else {
                notes.append("--trim-silence: the audio is silent; nothing was trimmed")
                return nil
            }
            let start = max(0, activity.leadingSilence - margin)
            let end = min(duration, duration - activity.trailingSilence + margin)
            guard start > 0.04 || duration - end > 0.04 else { return nil }
            notes.append("trimmed to \(Format.seconds(start))–\(Format.seconds(end)) of \(Format.seconds(duration)) (\(Format.seconds(margin)) around the speech)")
            return start...end
        }
    }

    /// Without audio, the still frames at either end are what `--trim-silence` cuts.
    static func stillTrim(_ video: String, duration: Double, margin: Double, notes: inout [String]) async throws -> ClosedRange<Double>? {
        guard let motion = try await Offload.run({ try StillFrames.motionRange(video) }) else {
            notes.append("--trim-silence: the video has no audio and its picture never changes; nothing was trimmed")
            return nil
        }
        let start = max(0, motion.lowerBound - margin), end = min(duration, motion.upperBound + margin)
        guard start > 0.04 || duration - end > 0.04 else { return nil }
        notes.append("the video has no audio: trimmed its still frames, to \(Format.seconds(start))–\(Format.seconds(end)) of \(Format.seconds(duration))")
        return start...end
    }

    static func speechActivity(_ path: String) throws -> SpeechActivity {
        var meter = LevelMeter(sampleRate: 16000, channels: 1)
        try AudioReader(path: path, sampleRate: 16000, mono: true).read { meter.add($0) }
        meter.finish()
        return SpeechActivity(levels: meter.frameLevels, frameDuration: meter.frameDuration)
    }

    /// Aligns the script to the source's speech, then moves the cues onto the trimmed
    /// timeline. A script that does not match falls back (and says so); no speech: no captions.
    static func captions(_ options: PostOptions, video: String, info: MediaInfo, trim: ClosedRange<Double>?,
                         into directory: String, notes: inout [String]) async throws -> CaptionTrack? {
        guard let script = options.script else { return nil }
        guard info.firstAudio != nil else {
            notes.append("the video has no audio: captions cannot be timed, none were written")
            return nil
        }
        var settings = options.captions
        // Cue gaps are counted in the video's frames.
        if let rate = info.firstVideo?.frameRate, rate > 0 { settings.frameRate = rate }
        let captionOptions = settings
        var track: CaptionTrack
        do {
            track = try await Offload.run { try CaptionAligner.align(script: script, audioPath: video, options: captionOptions) }
        } catch let error as CaptionError where error.code == .emptyScript {
            throw PostError(description: "the script is empty: give the words that are spoken, or no --script", exitCode: 2)
        } catch {
            notes.append("captions were not made: \(error)")
            return nil
        }
        if let trim { track.shift(by: -trim.lowerBound, keepingWithin: 0...(trim.upperBound - trim.lowerBound)) }
        notes += track.messages
        _ = try track.write(to: directory)
        return track
    }

    /// The ASS script the renditions draw when `--burn-captions` is asked for (a temporary
    /// file in the output directory), sized in the video's own pixels.
    static func burnScript(_ track: CaptionTrack?, options: PostOptions, info: MediaInfo, in directory: String,
                           notes: inout [String]) throws -> String? {
        guard options.burnCaptions else { return nil }
        guard let track, !track.cues.isEmpty, let width = info.firstVideo?.width, let height = info.firstVideo?.height else {
            notes.append("--burn-captions: there are no captions to draw, the renditions have none")
            return nil
        }
        let path = (directory as NSString).appendingPathComponent(".captions-burn-\(UUID().uuidString.prefix(8)).ass")
        try BurnedCaptions.write(track.cues, width: width, height: height, to: path)
        return path
    }

    static func buildManifest(video: String, directory: String, renditions: RenditionsResult, pictures: PictureSet?,
                              captions: Bool, notes: [String]) throws -> Manifest {
        var manifest = Manifest()
        manifest.notes = notes
        manifest.audio = renditions.audio
        let fullSource = video.hasPrefix("/") ? video : FileManager.default.currentDirectoryPath + "/" + video
        let relative = fullSource.hasPrefix(directory + "/") ? String(fullSource.dropFirst(directory.count + 1)) : nil
        if let relative {
            manifest.source = try Manifest.entry(relative, role: "render", in: directory)
        } else {
            var source = try Manifest.entry(fullSource, role: "source", in: "/")
            source.path = video
            manifest.source = source
        }
        for file in renditions.files {
            var details: [String: FactValue] = ["codecs": .text(file.codecs), "keyframe_interval": .number(file.keyframeInterval)]
            if let segments = file.segments { details["segments"] = .of(segments) }
            manifest.files.append(try Manifest.entry(file.path, role: file.role, in: directory, details: details))
        }
        for path in pictures?.files ?? [] {
            let role = path == pictures?.poster?.path ? "poster" : Self.role(ofPicture: path)
            let details = path == pictures?.poster?.path ? pictures?.poster?.score.details : nil
            var entry = try Manifest.entry(path, role: role, in: directory, details: details)
            if let preview = pictures?.preview, preview.path == path {
                // libavformat does not read animated WebP; the writer knows what it wrote.
                (entry.width, entry.height, entry.duration) = (preview.width, preview.height, preview.duration)
            }
            manifest.files.append(entry)
        }
        // Only this run's captions: a file left by an earlier run in the same directory is not listed.
        for name in ["captions.vtt", "captions.srt"] where captions {
            manifest.files.append(try Manifest.entry(name, role: "captions", in: directory))
        }
        return manifest
    }

    static func role(ofPicture path: String) -> String {
        if path.hasPrefix(PictureMaker.thumbnailDirectory) { return "thumbnail" }
        if path.hasPrefix("storyboard") { return "storyboard" }
        if path.hasPrefix("preview") { return "preview" }
        return "picture"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
