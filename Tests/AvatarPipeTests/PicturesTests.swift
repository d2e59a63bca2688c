import AvatarMedia
@testable import AvatarPipe
import Foundation
import Testing
import TestSupport

/// Poster, thumbnails, storyboard and animated preview, judged by ffprobe/ffmpeg and by pixels.
@Suite struct PicturesTests {
    func make(_ video: Result<String, PictureVideos.Failure>, _ options: PictureOptions = PictureOptions(),
              in directory: TemporaryDirectory) throws -> (PictureSet, String) {
        let path = try video.get()
        return (try PictureMaker.make(video: path, into: directory.path, options: options), path)
    }

    // MARK: - Poster

    @Test func posterIsNotTheBlackFirstFrameOfAVideoThatStartsBlack() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (set, video) = try make(PictureVideos.blackThenSpeech, in: directory)
        // The video does start black, and the speech covers the black second too.
        #expect(PictureVideos.meanLuma(Judge.frame(video, at: 0, width: 1280, height: 720)) < 5)
        #expect((set.speech?.start ?? 9) < 0.8, "speech \(String(describing: set.speech))")
        let poster = try #require(set.poster)
        #expect(poster.time >= 1.0, "poster at \(poster.time) s")
        #expect(!poster.score.flat && poster.score.total > 0.5, "\(poster.score)")
        let file = directory.file("poster.png")
        #expect(Judge.probeValue(file, entry: "stream=codec_name") == "png")
        #expect(Judge.probeValue(file, entry: "stream=width") == "1280")
        #expect(Judge.probeValue(file, entry: "stream=height") == "720")
        #expect(PictureVideos.meanLuma(Judge.frame(file, at: 0, width: 1280, height: 720)) > 40)
        // The poster is the video's frame at the reported time, as ffmpeg decodes it.
        let decoded = try ImageDecoder.decode(file).image
        // ffmpeg's -ss gives the first frame at or after the time.
        let reference = Judge.frame(video, at: poster.time - 0.005, width: 1280, height: 720)
        #expect(PictureVideos.difference(decoded.pixels, reference) < 3)
    }

    @Test func posterHasAFace() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (set, _) = try make(PictureVideos.blackThenSpeech, in: directory)
        let poster = try #require(set.poster)
        #expect(poster.score.face == 1 && (poster.score.faceCount ?? 0) >= 1, "\(poster.score)")
        let image = try ImageDecoder.decode(directory.file("poster.png")).image
        let faces = FaceCheck.finders().fine.find(in: image).faces
        #expect(!faces.isEmpty, "no face found in the poster")
        #expect(poster.candidates >= 5)
        // The breakdown goes to the manifest as facts.
        #expect(poster.score.details["score"] == .of(poster.score.total))
        #expect(poster.score.details["flat"] == .flag(false))
    }

    @Test func posterAtOverridesTheChoice() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.poster]
        options.posterAt = 2.0
        let (set, _) = try make(PictureVideos.avatar, options, in: directory)
        let poster = try #require(set.poster)
        #expect(poster.overridden && poster.candidates == 1)
        #expect(abs(poster.time - 2.0) < 0.041, "poster at \(poster.time) s")
        #expect(set.thumbnails.isEmpty && set.storyboard == nil && set.preview == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.file("storyboard.jpg")))
    }

    @Test func flatFramesNeverWinWhileAnythingElseIsThere() {
        func candidate(_ time: Double, _ image: RGBAImage) -> PosterCandidate {
            PosterCandidate(frame: VideoFrame(requestedTime: time, time: time, image: image), speech: nil)
        }
        var noise = RGBAImage(width: 64, height: 36, fill: (0, 0, 0, 255))
        for i in stride(from: 0, to: noise.pixels.count, by: 4) {
            let v = UInt8(truncatingIfNeeded: (i &* 2654435761) >> 7)
            noise.pixels[i] = v; noise.pixels[i + 1] = v; noise.pixels[i + 2] = 255 - v
        }
        var candidates = [candidate(0, RGBAImage(width: 64, height: 36, fill: (0, 0, 0, 255))),
                          candidate(0.5, RGBAImage(width: 64, height: 36, fill: (128, 128, 128, 255))),
                          candidate(1.0, noise),
                          candidate(1.5, RGBAImage(width: 64, height: 36, fill: (255, 255, 255, 255)))]
        let (index, scores) = PosterJudge.choose(&candidates, faceSearches: 4) { _ in nil }
        #expect(index == 2)
        #expect(scores[0].flat && scores[1].flat && !scores[2].flat && scores[3].flat)
        #expect(scores[0].total == 0 && scores[2].total > 0)

        // Frames from outside the speech stand by: taken only when every frame of the speech is flat.
        var backup = candidate(3.0, noise)
        backup.isBackup = true
        var allFlat = [candidates[0], candidates[1], backup]
        #expect(PosterJudge.choose(&allFlat, faceSearches: 4) { _ in nil }.index == 2)
        var oneClear = [candidates[0], candidate(1.0, noise.halfBright), backup]
        #expect(PosterJudge.choose(&oneClear, faceSearches: 4) { _ in nil }.index == 1)
    }

    // MARK: - Thumbnails

    @Test func thumbnailsAreSpreadEvenlyOverTheSpeech() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.thumbnails]
        let (set, video) = try make(PictureVideos.silenceThenSpeech, options, in: directory)
        let speech = try #require(set.speech)
        // The speech starts after the second of silence (plus the recording's own lead-in).
        let own = try SpeechLevels.measure(Fixtures.generated("speech-2.5s.wav")).span
        #expect(abs(speech.start - (1 + (own?.start ?? 0))) < 0.05, "speech \(speech), recording \(String(describing: own))")
        #expect(set.thumbnails.count == 5)
        let times = set.thumbnails.map(\.time)
        #expect(times.allSatisfy { $0 >= speech.start - 0.04 && $0 <= speech.end }, "\(times) over \(speech)")
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        let expected = speech.length / 5
        #expect(gaps.allSatisfy { abs($0 - expected) <= 0.041 }, "gaps \(gaps), expected \(expected)")
        for (index, thumbnail) in set.thumbnails.enumerated() {
            let file = directory.file(thumbnail.path)
            #expect(thumbnail.path == "thumbs/thumb-0\(index + 1).jpg")
            #expect(Judge.probeValue(file, entry: "stream=codec_name") == "mjpeg")
            #expect(Judge.probeValue(file, entry: "stream=width") == "320")
            #expect(Judge.probeValue(file, entry: "stream=height") == "180")
            // The thumbnail shows the frame at its time.
            let ours = PictureVideos.stillPixels(file, width: 320, height: 180)
            let reference = PictureVideos.scaledFrame(video, at: thumbnail.time - 0.005, width: 320, height: 180)
            #expect(PictureVideos.difference(ours, reference) < 4, "thumbnail \(index + 1) at \(thumbnail.time) s")
            #expect(PictureVideos.meanLuma(ours) > 40)
        }
    }

    @Test func thumbnailsAsPNGReplaceEarlierOnes() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.thumbnails]
        options.thumbnailCount = 7
        _ = try make(PictureVideos.avatar, options, in: directory)
        options.thumbnailCount = 3
        options.thumbnailFormat = .png
        options.thumbnailWidth = 200
        let (set, _) = try make(PictureVideos.avatar, options, in: directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.file("thumbs")).sorted()
        #expect(names == ["thumb-01.png", "thumb-02.png", "thumb-03.png"])
        #expect(set.thumbnails.map(\.width) == [200, 200, 200])
        #expect(Judge.probeValue(directory.file("thumbs/thumb-02.png"), entry: "stream=codec_name") == "png")
        #expect(Judge.probeValue(directory.file("thumbs/thumb-02.png"), entry: "stream=height") == "112")
    }

    // MARK: - Storyboard

    @Test func storyboardTrackParsesAndPointsInsideTheSprite() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.storyboard]
        options.storyboardInterval = 0.5
        options.storyboardColumns = 4
        let (set, video) = try make(PictureVideos.blackThenSpeech, options, in: directory)
        let sheet = try #require(set.storyboard)
        let duration = try #require(Double(Judge.probeValue(video, entry: "format=duration")))
        let spriteWidth = try #require(Int(Judge.probeValue(directory.file("storyboard.jpg"), entry: "stream=width")))
        let spriteHeight = try #require(Int(Judge.probeValue(directory.file("storyboard.jpg"), entry: "stream=height")))
        let cues = try VTTThumbnails.parse(String(contentsOfFile: directory.file("storyboard.vtt"), encoding: .utf8))
        #expect(cues.count == sheet.tiles && cues.count == 7, "\(cues.count) cues")
        #expect(sheet.columns == 4 && sheet.rows == 2)
        #expect(spriteWidth == 4 * 160 && spriteHeight == 2 * 90)
        #expect(cues.first?.start == 0)
        for (previous, next) in zip(cues, cues.dropFirst()) { #expect(previous.end == next.start) }
        #expect(abs((cues.last?.end ?? 0) - duration) < 0.05, "last cue ends at \(cues.last?.end ?? 0), video lasts \(duration)")
        for cue in cues {
            #expect(cue.end > cue.start)
            #expect(cue.image == "storyboard.jpg")
            #expect(cue.x >= 0 && cue.y >= 0 && cue.x + cue.width <= spriteWidth && cue.y + cue.height <= spriteHeight, "\(cue)")
            #expect(cue.width == 160 && cue.height == 90)
        }
        // The first tile shows the black leader, a later one the avatar.
        let sprite = try ImageDecoder.decode(directory.file("storyboard.jpg")).image
        func tileLuma(_ cue: VTTThumbnails.Cue) -> Double {
            var pixels: [UInt8] = []
            for y in cue.y..<(cue.y + cue.height) {
                let start = (y * sprite.width + cue.x) * 4
                pixels += sprite.pixels[start..<(start + cue.width * 4)]
            }
            return PictureVideos.meanLuma(pixels)
        }
        #expect(tileLuma(cues[0]) < 10)
        #expect(tileLuma(cues[4]) > 40)
    }

    @Test func storyboardLayoutJoinsAShortRemainder() {
        let even = StoryboardLayout(length: 12.3, interval: 2, tileWidth: 160, tileHeight: 90, columns: 10)
        #expect(even.cues.count == 7 && even.cues.last?.endMilliseconds == 12_300)
        let short = StoryboardLayout(length: 12.1, interval: 2, tileWidth: 160, tileHeight: 90, columns: 10)
        #expect(short.cues.count == 6 && short.cues.last?.startMilliseconds == 10_000 && short.cues.last?.endMilliseconds == 12_100)
        let long = StoryboardLayout(length: 3725.5, interval: 2, tileWidth: 160, tileHeight: 90, columns: 10)
        #expect(long.rows == 187 && long.sheetWidth == 1600)
        #expect(StoryboardLayout.timestamp(3_725_500) == "01:02:05.500")
        let text = StoryboardLayout(length: 4, interval: 2, tileWidth: 160, tileHeight: 90, columns: 10).webVTT(imageURL: "storyboard.jpg")
        #expect(text == "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard.jpg#xywh=0,0,160,90\n\n"
                + "00:00:02.000 --> 00:00:04.000\nstoryboard.jpg#xywh=160,0,160,90\n")
    }

    // MARK: - Preview

    @Test func previewIsALoopingAnimatedWebPUnderOneMegabyte() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.preview]
        let (set, video) = try make(PictureVideos.avatar, options, in: directory)
        let preview = try #require(set.preview)
        #expect(preview.path == "preview.webp" && preview.format == .webp)
        #expect(preview.duration >= 2 && preview.duration <= 3)
        let duration = try #require(Double(Judge.probeValue(video, entry: "format=duration")))
        #expect(preview.start >= 0 && preview.start + preview.duration <= duration + 1e-6)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.file("preview.webp")))
        #expect(bytes.count < 1_000_000 && Int64(bytes.count) == preview.bytes)
        let webp = try #require(AnimatedWebP(bytes), "not an animated WebP")
        #expect(webp.loopCount == 0, "loops \(webp.loopCount) times")
        #expect(webp.frameDurations.count >= 20 && webp.frameDurations.count == preview.frames, "\(webp.frameDurations.count) frames")
        #expect(webp.width == preview.width && webp.height == preview.height)
        #expect(abs(Double(webp.frameDurations.reduce(0, +)) / 1000 - preview.duration) < 0.02, "\(webp.frameDurations)")
        // The last frame shows as long as the others.
        #expect(Set(webp.frameDurations).count == 1, "\(webp.frameDurations)")
    }

    @Test func previewStaysOutOfABlackLeader() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.preview]
        let (set, _) = try make(PictureVideos.blackThenSpeech, options, in: directory)
        let preview = try #require(set.preview)
        #expect(preview.start >= 0.96, "the preview starts at \(preview.start) s, in the black second")
        let webp = try #require(AnimatedWebP(try Data(contentsOf: URL(fileURLWithPath: directory.file("preview.webp")))))
        // libwebp merges identical frames: a black stretch would show as one long frame.
        #expect(webp.frameDurations.count == preview.frames, "\(webp.frameDurations)")
    }

    @Test func previewAsGIFLoopsAndFits() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.preview]
        options.previewFormat = .gif
        let (set, _) = try make(PictureVideos.avatar, options, in: directory)
        let preview = try #require(set.preview)
        let file = directory.file("preview.gif")
        #expect(preview.bytes < 1_000_000)
        #expect(Judge.probeValue(file, entry: "stream=codec_name") == "gif")
        let frames = Judge.ffprobe(["-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
                                    "-of", "default=noprint_wrappers=1:nokey=1", file]).stdout
        #expect(Int(frames.trimmingCharacters(in: .whitespacesAndNewlines)) == preview.frames, "ffprobe counted \(frames)")
        // NETSCAPE2.0 application extension with a loop count of 0: forever.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let marker = Array("NETSCAPE2.0".utf8)
        let at = try #require((0...(bytes.count - marker.count - 5)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        #expect(bytes[at + 13] == 0 && bytes[at + 14] == 0)
    }

    @Test func previewShrinksUntilItFits() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.outputs = [.preview]
        options.previewMaxBytes = 60_000
        let (set, _) = try make(PictureVideos.avatar, options, in: directory)
        let preview = try #require(set.preview)
        #expect(preview.width < 400, "\(preview.width)×\(preview.height)")
        #expect(preview.bytes <= 60_000 || set.notes.contains { $0.contains("even at") })
        #expect(set.notes.contains { $0.contains("preview.webp") })
    }

    // MARK: - Frame access

    @Test(arguments: [8.0, 0.3])
    func frameReaderGivesTheFramesFFmpegGives(seekGap: Double) throws {
        let video = try PictureVideos.blackThenSpeech.get()
        let frameCount = try #require(Int(Judge.probeValue(video, entry: "stream=nb_frames", stream: "v:0")))
        let lastFrame = Double(frameCount - 1) / 25
        // Out of order, two in one frame, one before a keyframe, one past the end.
        let times = [2.9, 0.5, 1.3, 1.31, 1.99, 3.4, 99]
        let reader = try VideoFrameReader(path: video)
        reader.seekGap = seekGap
        #expect(reader.width == 1280 && reader.height == 720 && reader.frameRate == 25)
        let frames = try reader.frames(at: times, width: 320, height: 180)
        #expect(frames.map(\.requestedTime) == times)
        for frame in frames where frame.requestedTime < lastFrame {
            // The frame on screen at the time: it starts at most one frame before.
            #expect(frame.time <= frame.requestedTime + 0.001 && frame.requestedTime - frame.time < 0.041, "\(frame.requestedTime) → \(frame.time)")
            let reference = PictureVideos.scaledFrame(video, at: frame.time - 0.005, width: 320, height: 180)
            #expect(PictureVideos.difference(frame.image.pixels, reference) < 3, "at \(frame.time) s")
        }
        #expect(abs((frames.last?.time ?? 0) - lastFrame) < 0.001)
        // A second read on the same reader goes back for an earlier time.
        let again = try reader.frames(at: [0.2], width: 64, height: 36)
        #expect(abs((again.first?.time ?? -1) - 0.2) < 0.001)
        var every: [Double] = []
        try reader.forEachFrame(every: 10, width: 64, height: 36) { frame in
            every.append(frame.time)
            return true
        }
        #expect(every.count == (frameCount + 9) / 10 && every.first == 0 && abs((every.dropFirst().first ?? 0) - 0.4) < 0.001)
    }

    // MARK: - Timelines, ranges, inputs

    @Test func rangeLimitsThePicturesAndTheStoryboardCountsFromItsStart() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var options = PictureOptions()
        options.range = 1.0...3.0
        options.storyboardInterval = 1
        let (set, _) = try make(PictureVideos.silenceThenSpeech, options, in: directory)
        #expect(set.range == PictureSet.Span(start: 1, end: 3))
        let poster = try #require(set.poster)
        #expect(poster.time >= 1 - 0.04 && poster.time <= 3)
        #expect(set.thumbnails.allSatisfy { $0.time >= 1 - 0.04 && $0.time <= 3 })
        let cues = try VTTThumbnails.parse(String(contentsOfFile: directory.file("storyboard.vtt"), encoding: .utf8))
        #expect(cues.map(\.start) == [0, 1] && cues.last?.end == 2)
        #expect(throws: PictureError.self) {
            var outside = PictureOptions()
            outside.range = 10...12
            _ = try PictureMaker.make(video: try PictureVideos.avatar.get(), into: directory.path, options: outside)
        }
    }

    @Test func videoWithoutAudioSpreadsPicturesOverTheWholeVideo() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (set, video) = try make(PictureVideos.silentMovie, in: directory)
        #expect(set.speech == nil)
        #expect(set.notes.contains { $0.contains("has no audio") }, "\(set.notes)")
        let poster = try #require(set.poster)
        #expect(poster.score.mouthRest == nil && poster.score.face == 1)
        let duration = try #require(Double(Judge.probeValue(video, entry: "format=duration")))
        #expect(abs(set.range.end - duration) < 0.05)
        #expect(set.thumbnails.count == 5 && set.preview != nil && set.storyboard != nil)
        #expect(Set(set.files) == Set(["poster.png", "thumbs/thumb-01.jpg", "thumbs/thumb-02.jpg", "thumbs/thumb-03.jpg",
                                       "thumbs/thumb-04.jpg", "thumbs/thumb-05.jpg", "storyboard.jpg", "storyboard.vtt", "preview.webp"]))
    }

    @Test func badInputsSayWhatIsWrongAndLeaveNothing() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let empty = directory.file("empty.mp4")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let text = directory.file("text.mp4")
        _ = FileManager.default.createFile(atPath: text, contents: Data("not a video\n".utf8))
        let truncated = directory.file("truncated.mp4")
        let whole = try Data(contentsOf: URL(fileURLWithPath: try PictureVideos.avatar.get()))
        _ = FileManager.default.createFile(atPath: truncated, contents: whole.prefix(whole.count / 3))
        let out = directory.file("out")
        for (path, kind) in [(empty, MediaError.Kind.empty), (text, .unrecognized), (Fixtures.speech, .noStream)] {
            do {
                _ = try PictureMaker.make(video: path, into: out)
                Issue.record("\(path) was accepted")
            } catch let error as MediaError {
                #expect(error.kind == kind && error.path == path, "\(error)")
            }
        }
        // A truncated MP4 (moov at the front, media cut) still yields pictures of what is there, or a clear error.
        do {
            let set = try PictureMaker.make(video: truncated, into: directory.file("cut"))
            #expect(set.poster != nil)
        } catch {
            #expect("\(error)".contains(truncated), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

extension RGBAImage {
    /// The same picture at half the brightness.
    var halfBright: RGBAImage {
        var copy = self
        for i in copy.pixels.indices where i % 4 != 3 { copy.pixels[i] /= 2 }
        return copy
    }
}

/// The thumbnail cues of a WebVTT track, parsed strictly enough to catch a malformed one.
enum VTTThumbnails {
    struct Cue: Equatable, CustomStringConvertible {
        var start: Double, end: Double
        var image: String
        var x: Int, y: Int, width: Int, height: Int
        var description: String { "\(start)–\(end) \(image)#xywh=\(x),\(y),\(width),\(height)" }
    }

    struct Malformed: Error, CustomStringConvertible { var description: String }

    static func parse(_ text: String) throws -> [Cue] {
        let blocks = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        guard let header = blocks.first, header == "WEBVTT" || header.hasPrefix("WEBVTT\n") || header.hasPrefix("WEBVTT ") else {
            throw Malformed(description: "no WEBVTT header")
        }
        return try blocks.dropFirst().filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.map { block in
            let lines = block.split(separator: "\n").map(String.init)
            guard let timing = lines.first(where: { $0.contains("-->") }), let timingIndex = lines.firstIndex(of: timing),
                  timingIndex + 1 < lines.count else { throw Malformed(description: "a cue without timing or payload: \(block)") }
            let parts = timing.components(separatedBy: " --> ")
            guard parts.count == 2, let start = seconds(parts[0]), let end = seconds(parts[1].split(separator: " ").first.map(String.init) ?? "")
            else { throw Malformed(description: "bad timing \(timing)") }
            let payload = lines[timingIndex + 1].components(separatedBy: "#xywh=")
            let numbers = payload.count == 2 ? payload[1].split(separator: ",").compactMap { Int($0) } : []
            guard numbers.count == 4 else { throw Malformed(description: "bad payload \(lines[timingIndex + 1])") }
            return Cue(start: start, end: end, image: payload[0], x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3])
        }
    }

    /// `HH:MM:SS.mmm` or `MM:SS.mmm`.
    static func seconds(_ text: String) -> Double? {
        let fields = text.split(separator: ":")
        guard (2...3).contains(fields.count), let last = Double(fields[fields.count - 1]), fields.last?.count == 6 else { return nil }
        let whole = fields.dropLast().compactMap { Int($0) }
        guard whole.count == fields.count - 1 else { return nil }
        return Double(whole.reduce(0) { $0 * 60 + $1 }) * 60 + last
    }
}

/// The chunks of an animated WebP that matter here: VP8X's animation flag and canvas size,
/// ANIM's loop count, each ANMF frame's duration.
struct AnimatedWebP {
    var width = 0, height = 0
    var loopCount = -1
    var frameDurations: [Int] = []

    init?(_ data: Data) {
        let b = [UInt8](data)
        guard b.count > 30, Array(b[0..<4]) == Array("RIFF".utf8), Array(b[8..<12]) == Array("WEBP".utf8) else { return nil }
        func le(_ at: Int, _ count: Int) -> Int { (0..<count).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
        var offset = 12, animated = false
        while offset + 8 <= b.count {
            let kind = String(decoding: b[offset..<(offset + 4)], as: UTF8.self)
            let size = le(offset + 4, 4)
            let body = offset + 8
            guard body + size <= b.count else { return nil }
            switch kind {
            case "VP8X":
                animated = b[body] & 0x02 != 0
                width = le(body + 4, 3) + 1
                height = le(body + 7, 3) + 1
            case "ANIM":
                loopCount = le(body + 4, 2)
            case "ANMF":
                frameDurations.append(le(body + 12, 3))
            default:
                break
            }
            offset = body + size + (size & 1)
        }
        guard animated, loopCount >= 0 else { return nil }
    }
}
