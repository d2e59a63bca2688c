import AvatarMedia
import Foundation
import Testing
import TestSupport

/// The one-pass transcoder, judged by ffprobe/ffmpeg: sizes, codecs, keyframe spacing,
/// faststart, HLS playlists, loudness, trim, and what a failure leaves behind.
@Suite struct TranscodeTests {
    static let fast = VideoCodecSettings(codec: "libx264", options: ["preset": "superfast", "crf": "30", "profile": "high"],
                                         maxRate: 1_000_000, bufferSize: 2_000_000)

    static func job(_ source: String, in directory: TemporaryDirectory, hls: Bool = false) -> TranscodeJob {
        let renditions = [
            TranscodeRendition(name: "360p", width: 640, height: 360, video: fast, file: directory.file("video-360p.mp4"),
                               hlsName: hls ? "360p" : nil),
            TranscodeRendition(name: "240p", width: 426, height: 240, video: fast, file: directory.file("video-240p.mp4"),
                               hlsName: hls ? "240p" : nil),
        ]
        var job = TranscodeJob(source: source, renditions: renditions)
        if hls { job.hls = HLSSettings(directory: directory.file("hls"), segmentDuration: 4) }
        return job
    }

    /// Times (seconds) of the video packets flagged as keyframes.
    static func keyframes(_ path: String) -> [Double] {
        Judge.ffprobe(["-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path]).stdout
            .split(separator: "\n").filter { $0.hasSuffix(",K_") || $0.hasSuffix(",K") }
            .compactMap { Double($0.split(separator: ",").first ?? "") }
    }

    static func duration(_ path: String, _ stream: String) -> Double {
        Double(Judge.probeValue(path, entry: "stream=duration", stream: stream)) ?? -1
    }

    @Test func renditionsHaveTheirSizeCodecsKeyframesAndFaststart() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let source = Fixtures.generated("video-speech.mp4")
        let result = try Transcoder.run(Self.job(source, in: directory))
        let sourceDuration = Self.duration(source, "v:0")
        #expect(abs(result.duration - sourceDuration) <= 0.04 + 1e-6, "\(result.duration) vs \(sourceDuration)")
        for (name, width, height) in [("video-360p.mp4", 640, 360), ("video-240p.mp4", 426, 240)] {
            let path = directory.file(name)
            #expect(Judge.probeValue(path, entry: "stream=width", stream: "v:0") == "\(width)")
            #expect(Judge.probeValue(path, entry: "stream=height", stream: "v:0") == "\(height)")
            #expect(Judge.probeValue(path, entry: "stream=codec_name", stream: "v:0") == "h264")
            #expect(Judge.probeValue(path, entry: "stream=profile", stream: "v:0") == "High")
            #expect(Judge.probeValue(path, entry: "stream=pix_fmt", stream: "v:0") == "yuv420p")
            #expect(Judge.probeValue(path, entry: "stream=codec_name", stream: "a:0") == "aac")
            #expect(Judge.probeValue(path, entry: "stream=sample_rate", stream: "a:0") == "48000")
            #expect(abs(Self.duration(path, "v:0") - result.duration) <= 0.04 + 1e-6)
            // The audio runs as long as the video, or as the source's audio when that is shorter.
            #expect(abs(Self.duration(path, "a:0") - min(result.duration, Self.duration(source, "a:0"))) <= 0.05)
            let atoms = MP4Atoms.topLevel(path)
            #expect((atoms.firstIndex(of: "moov") ?? .max) < (atoms.firstIndex(of: "mdat") ?? -1), "\(atoms)")
            // A keyframe every 2 s exactly, and no others.
            let expected = stride(from: 0.0, to: result.duration - 0.001, by: 2.0).map { $0 }
            let found = Self.keyframes(path)
            #expect(found.count == expected.count, "\(found)")
            for (got, want) in zip(found, expected) { #expect(abs(got - want) < 0.021, "\(found)") }
        }
        #expect(result.renditions.allSatisfy { $0.videoCodecString.hasPrefix("avc1.64") && $0.audioCodecString == "mp4a.40.2" })
        // Nothing but the outputs is left in the directory.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == ["video-360p.mp4", "video-240p.mp4"])
    }

    @Test func hlsIsMuxedFromTheSamePacketsAndAddsUpToTheDuration() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let result = try Transcoder.run(Self.job(Fixtures.generated("video-speech.mp4"), in: directory, hls: true))
        let tree = try #require(result.hls)
        let master = try String(contentsOfFile: tree.master, encoding: .utf8)
        #expect(master.hasPrefix("#EXTM3U"))
        #expect(master.contains("RESOLUTION=640x360") && master.contains("RESOLUTION=426x240"))
        #expect(master.contains("360p/index.m3u8") && master.contains("CODECS=\"avc1.64"))
        for playlist in tree.playlists {
            let total = playlist.segments.reduce(0) { $0 + $1.duration }
            #expect(abs(total - result.duration) <= 0.05, "\(playlist.name): \(total) vs \(result.duration)")
            #expect(playlist.segments.dropLast().allSatisfy { (3.9...6.1).contains($0.duration) }, "\(playlist.segments.map(\.duration))")
            #expect(playlist.segments.allSatisfy { FileManager.default.fileExists(atPath: $0.file) })
            // ffprobe reads the media playlist as a whole.
            #expect(abs((Double(Judge.probeValue(playlist.path, entry: "format=duration")) ?? 0) - result.duration) <= 0.1)
        }
        // The HLS video decodes to the very pictures of the MP4 (the same encoded packets).
        func pictures(_ path: String) -> [Substring] {
            Judge.ffmpeg(["-loglevel", "error", "-i", path, "-map", "0:v", "-f", "framemd5", "-"]).stdout
                .split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: ",").last }
        }
        let mp4 = pictures(directory.file("video-360p.mp4"))
        #expect(mp4.count == result.frames && mp4 == pictures(directory.file("hls/360p/index.m3u8")))
    }

    @Test func loudnessIsBroughtToTheTargetOrKept() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let source = Fixtures.generated("video-speech.mp4")
        var job = Self.job(source, in: directory)
        job.renditions.removeLast()
        job.audio.loudnessTarget = -16
        let result = try Transcoder.run(job)
        let measured = try #require(Judge.ebur128Integrated(directory.file("video-360p.mp4")))
        #expect(abs(measured - -16) <= 0.5, "ebur128 says \(measured) LUFS")
        #expect(abs((result.audio?.outputLoudness ?? 0) - measured) <= 0.5)
        // The true peak as a player decodes it (AAC overshoot included) stays under -1 dBTP.
        let log = Judge.ffmpeg(["-nostats", "-i", directory.file("video-360p.mp4"), "-af", "ebur128=peak=true", "-f", "null", "-"]).stderr
        let peakLine = try #require(log.split(separator: "\n").last { $0.contains("Peak:") })
        let peak = try #require(peakLine.split(separator: " ").compactMap { Double($0) }.first)
        #expect(peak <= -1.0, "true peak \(peak) dBTP")

        job.audio.loudnessTarget = nil
        _ = try Transcoder.run(job)
        let kept = try #require(Judge.ebur128Integrated(directory.file("video-360p.mp4")))
        let original = try #require(Judge.ebur128Integrated(source))
        #expect(abs(kept - original) <= 0.5, "\(kept) vs source \(original)")
    }

    @Test func trimCutsOnFramesWithTheAudioInStep() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var job = Self.job(Fixtures.generated("video-speech.mp4"), in: directory)
        job.trim = TrimRange(start: 0.5, end: 2.0)
        let result = try Transcoder.run(job)
        #expect(abs(result.sourceStart - 0.5) <= 0.02 + 1e-6)
        #expect((37...38).contains(result.frames), "\(result.frames)")
        let path = directory.file("video-240p.mp4")
        #expect(abs(Self.duration(path, "v:0") - 1.5) <= 0.04 + 1e-6)
        #expect(abs(Self.duration(path, "a:0") - Self.duration(path, "v:0")) <= 0.03)
        #expect(Judge.probeValue(path, entry: "stream=start_time", stream: "v:0")
                == Judge.probeValue(path, entry: "stream=start_time", stream: "a:0"))
        #expect(Self.keyframes(path).count == 1)
    }

    @Test func theAudioEndsWithTheVideo() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let source = Fixtures.generated("video-long-audio.mp4")
        #expect(Self.duration(source, "a:0") > Self.duration(source, "v:0") + 0.5)
        var job = TranscodeJob(source: source, renditions: [
            TranscodeRendition(name: "180p", width: 320, height: 180, video: Self.fast, file: directory.file("video.mp4")),
        ])
        job.audio.loudnessTarget = nil
        let result = try Transcoder.run(job)
        let path = directory.file("video.mp4")
        #expect(abs(Self.duration(path, "v:0") - result.duration) <= 0.04 + 1e-6)
        #expect(abs(Self.duration(path, "a:0") - result.duration) <= 0.05, "audio \(Self.duration(path, "a:0")) s")
    }

    @Test func aVideoWithoutAudioGivesVideoOnlyRenditions() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let result = try Transcoder.run(Self.job(Fixtures.generated("video-noaudio.mp4"), in: directory))
        #expect(result.audio == nil)
        #expect(Judge.probeValue(directory.file("video-360p.mp4"), entry: "stream=codec_type", stream: "a") == "")
        #expect(Judge.probeValue(directory.file("video-360p.mp4"), entry: "stream=codec_name", stream: "v:0") == "h264")
    }

    @Test func webmCarriesVP9AndOpus() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let vp9 = VideoCodecSettings(codec: "libvpx-vp9", options: ["crf": "40", "b": "0", "deadline": "realtime", "cpu-used": "8"])
        var job = TranscodeJob(source: Fixtures.generated("video-3s.mp4"), renditions: [
            TranscodeRendition(name: "webm", width: 320, height: 180, video: vp9, audio: .opus, file: directory.file("video.webm"),
                               container: .webm),
        ])
        job.keyframeInterval = 1
        let result = try Transcoder.run(job)
        let path = directory.file("video.webm")
        #expect(Judge.probeValue(path, entry: "stream=codec_name", stream: "v:0") == "vp9")
        #expect(Judge.probeValue(path, entry: "stream=codec_name", stream: "a:0") == "opus")
        #expect(Self.keyframes(path).count == Int((result.duration - 0.001).rounded(.up)))
    }

    @Test(arguments: [
        ("video-truncated.mp4", "moov atom not found"),
        ("video-truncated-faststart.mp4", "cut short"),
        ("video-corrupt.mp4", "damaged"),
        ("video-empty.mp4", ""),
        ("audio-only.m4a", "audio only"),
    ])
    func badSourcesFailAndLeaveNothingBehind(name: String, words: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let source = Fixtures.generated(name)
        #expect(throws: (any Error).self) { try Transcoder.run(Self.job(source, in: directory, hls: true)) }
        do {
            _ = try Transcoder.run(Self.job(source, in: directory, hls: true))
        } catch {
            #expect("\(error)".contains(source), "\(error)")
            #expect(words.isEmpty || "\(error)".contains(words), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func impossibleJobsAreRefusedBeforeAnyWork() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var odd = Self.job(Fixtures.generated("video-3s.mp4"), in: directory)
        odd.renditions[0].width = 641
        #expect(throws: MediaError.self) { try Transcoder.run(odd) }
        var backwards = Self.job(Fixtures.generated("video-3s.mp4"), in: directory)
        backwards.trim = TrimRange(start: 2, end: 1)
        #expect(throws: MediaError.self) { try Transcoder.run(backwards) }
        var hlsWithoutTree = Self.job(Fixtures.generated("video-3s.mp4"), in: directory)
        hlsWithoutTree.renditions[0].hlsName = "360p"
        #expect(throws: MediaError.self) { try Transcoder.run(hlsWithoutTree) }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.isEmpty ?? true)
    }
}
