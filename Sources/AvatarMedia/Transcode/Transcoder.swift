import CFFmpeg
import Foundation

/// Makes every rendition of a video in one pass over it: the source is decoded once; each
/// rendition is scaled once and encoded once, on a thread of its own fed from the decoder
/// through a bounded queue (the encoders keep both cores busy); the audio is decoded once,
/// normalised once and encoded once per codec; and the encoded packets are written to
/// every container that carries them (MP4 file, HLS playlist) — nothing is encoded twice.
///
/// Outputs appear only when the whole pass succeeded; a failure leaves none behind. The
/// source is only read.
public enum Transcoder {
    public static func run(_ job: TranscodeJob, progress: ((TranscodeProgress) -> Void)? = nil) throws -> TranscodeResult {
        let started = Date()
        try validate(job)
        let source = try TranscodeSource(path: job.source, decoderThreads: job.decoderThreads)
        let frameSeconds = 1 / av_q2d(source.frameRate)
        let start = source.videoStart + (job.trim?.start ?? 0)
        let end = job.trim?.end.map { source.videoStart + $0 }

        let (audio, sourceLevel) = try prepareAudio(job, source: source)

        let staging = Staging()
        var workers: [RenditionWorker] = []
        do {
            let tree = try job.hls.map { try staging.directory($0.directory) }
            workers = try job.renditions.map { rendition in
                try makeWorker(rendition, job: job, source: source, audio: audio, staging: staging, tree: tree)
            }
        } catch {
            workers.removeAll()
            staging.discard()
            throw error
        }
        let frames: Int
        do {
            frames = try encodeAll(job, source: source, workers: workers, audio: audio, from: start, to: end, progress: progress)
            if end == nil { try checkComplete(source, frames: frames, start: start) }
        } catch {
            workers.removeAll()
            staging.discard()
            throw error
        }
        progress?(TranscodeProgress(framesDone: frames, totalFrames: frames))

        let hls: HLSTree?
        do {
            hls = try job.hls.map { try writeMaster($0, workers: workers, frameRate: av_q2d(source.frameRate), staging: staging) }
            try staging.commit()
        } catch {
            staging.discard()
            throw error
        }
        let outcome = audio.map { track in
            AudioOutcome(sampleRate: track.sampleRate, channels: track.channels, target: job.audio.loudnessTarget,
                         sourceLoudness: sourceLevel.loudness,
                         sourceTruePeak: sourceLevel.truePeak, gain: track.gainDB, outputLoudness: track.outputLoudness,
                         outputTruePeak: track.outputTruePeak, limiterReduction: track.limiterReduction)
        }
        return TranscodeResult(source: job.source, frames: frames, duration: Double(frames) * frameSeconds,
                               frameRate: av_q2d(source.frameRate), sourceStart: start - source.videoStart,
                               keyframeInterval: job.keyframeInterval, renditions: workers.map { describe($0, audio: audio) },
                               hls: hls, audio: outcome, seconds: Date().timeIntervalSince(started))
    }

    /// Starts the rendition threads, feeds them the source and waits for every one of them;
    /// returns the frames handed out. A failure anywhere stops all threads, and the first
    /// cause is rethrown.
    private static func encodeAll(_ job: TranscodeJob, source: TranscodeSource, workers: [RenditionWorker], audio: AudioTrack?,
                                  from start: Double, to end: Double?, progress: ((TranscodeProgress) -> Void)?) throws -> Int {
        let frameSeconds = 1 / av_q2d(source.frameRate)
        workers.forEach { $0.start() }
        var frames = 0
        var failure: Error?
        do {
            let filter = job.videoFilters.isEmpty ? nil : FrameFilter(chain: job.videoFilters, timeBase: source.videoTimeBase, path: job.source)
            frames = try pump(source, into: workers, audio: audio, filter: filter, from: start, to: end,
                              interval: job.keyframeInterval) { done in
                guard let progress else { return }
                let encoded = workers.map(\.framesEncoded).min() ?? done
                let total = ((end ?? ((source.declaredDuration ?? 0) + source.videoStart)) - start) / frameSeconds
                progress(TranscodeProgress(framesDone: encoded, totalFrames: total > 0 ? Int(total.rounded()) : nil))
            }
            workers.forEach { $0.queue.close() }
        } catch {
            failure = error
            workers.forEach { $0.queue.cancel() }
        }
        // Every thread ends before anything is committed or discarded.
        var workerFailure: Error?
        for worker in workers {
            do { try worker.join() } catch { workerFailure = workerFailure ?? error }
        }
        if let failure = failure is QueueStopped ? workerFailure : failure ?? workerFailure { throw failure }
        return frames
    }

    /// A source whose video ends well before the length it declares is damaged.
    private static func checkComplete(_ source: TranscodeSource, frames: Int, start: Double) throws {
        guard let declared = source.declaredDuration else { return }
        let frameSeconds = 1 / av_q2d(source.frameRate)
        let decoded = Double(frames) * frameSeconds + (start - source.videoStart)
        if declared - decoded > max(0.5, 3 * frameSeconds) {
            throw MediaError(.truncated, path: source.path,
                             String(format: "is cut short: its video ends at %.2f s of the %.2f s it declares", decoded, declared))
        }
    }

    /// The audio track of the outputs (nil without audio), with the loudness gain worked out
    /// in a first pass over the audio alone, over the range the outputs will hold.
    private static func prepareAudio(_ job: TranscodeJob, source: TranscodeSource) throws
        -> (AudioTrack?, (loudness: Double?, truePeak: Double?)) {
        guard source.hasAudio else { return (nil, (nil, nil)) }
        let channels = min(job.audio.maxChannels, Int(source.audioDecoder?.codecContext.pointee.ch_layout.nb_channels ?? 0))
        let level = try LoudnessScan.measure(job.source, sampleRate: job.audio.sampleRate, channels: channels,
                                             from: job.trim?.start ?? 0, to: job.trim?.end)
        var gain = 0.0
        if let target = job.audio.loudnessTarget, let measured = level.loudness {
            gain = min(job.audio.maxGain, target - measured)
            // Where the limiter will take a share of a loud gain, measure what is left once
            // and give that back (a second pass over the audio alone; cheap next to the video).
            if let peak = level.truePeak, peak + gain > job.audio.peakCeiling + 0.5,
               let limited = try LoudnessScan.loudness(job.source, sampleRate: job.audio.sampleRate, channels: channels,
                                                       from: job.trim?.start ?? 0, to: job.trim?.end, gainDB: gain,
                                                       ceiling: job.audio.peakCeiling) {
                gain = min(job.audio.maxGain, gain + (target - limited))
            }
        }
        let codecs = job.renditions.map(\.audio).reduce(into: [AudioCodecSettings]()) { if !$0.contains($1) { $0.append($1) } }
        let track = try AudioTrack(path: job.source, timeBase: source.audioTimeBase, sampleRate: job.audio.sampleRate,
                                   channels: channels, gainDB: gain,
                                   limit: job.audio.loudnessTarget == nil ? nil : job.audio.peakCeiling, codecs: codecs)
        return (track, level)
    }

    /// A rendition's thread has stopped (its error is the one to report).
    private struct QueueStopped: Error {}

    /// Decodes the source and hands every frame in `[start, end)` to every rendition, with the
    /// keyframe decision, and the audio to the audio track. Returns the frames handed out.
    private static func pump(_ source: TranscodeSource, into workers: [RenditionWorker], audio: AudioTrack?, filter: FrameFilter?,
                             from start: Double, to end: Double?, interval: Double,
                             progress: (Int) -> Void) throws -> Int {
        let timeBase = source.videoTimeBase
        let frameSeconds = 1 / av_q2d(source.frameRate)
        let frameTicks = max(1, av_rescale_q(1, av_inv_q(source.frameRate), timeBase))
        let deliver: AudioTrack.Deliver = { codec, packet in
            for worker in workers where worker.audio == codec {
                guard worker.queue.push(.audio(try packet.reference())) else { throw QueueStopped() }
            }
        }
        if start > source.videoStart { try source.seek(to: start) }
        var origin: (seconds: Double, pts: Int64)?
        var outputEnd: Double?
        var lastPTS: Int64?
        var nextKeyframe = 0.0
        var frames = 0
        var videoDone = false
        try source.decode { kind, frame in
            if kind == .audio {
                if let audio, !audio.isComplete { try audio.add(frame, deliver) }
            } else if !videoDone {
                let stamp = frame.pointer.pointee.best_effort_timestamp
                let pts = stamp != swift_AV_NOPTS_VALUE ? stamp : (lastPTS.map { $0 + frameTicks } ?? 0)
                let seconds = Double(pts) * av_q2d(timeBase)
                // Frames are cut at the nearest frame boundary: one that starts less than half
                // a frame before the trim start belongs to the output.
                guard seconds >= start - frameSeconds / 2 else { return true }
                if origin == nil {
                    origin = (seconds, pts)
                    // The end on the frame grid, so the audio is cut at the same instant.
                    outputEnd = end.map { seconds + (($0 - seconds) / frameSeconds).rounded() * frameSeconds }
                    // Untrimmed, the audio still ends with the video: a longer soundtrack
                    // would make players show (and play) a black tail.
                    let videoEnd = source.videoStreamDuration.map { source.videoStart + $0 }
                    try audio?.begin(at: seconds, end: outputEnd ?? videoEnd, deliver)
                }
                if let outputEnd, seconds >= outputEnd - frameSeconds / 2 {
                    videoDone = true
                } else {
                    try hand(frame, to: workers, filter: filter, pts: pts, origin: origin.unsafelyUnwrapped, timeBase: timeBase, lastPTS: &lastPTS,
                             nextKeyframe: &nextKeyframe, interval: interval, frameSeconds: frameSeconds)
                    frames += 1
                    progress(frames)
                }
            }
            return !(videoDone && (audio?.isComplete ?? true))
        }
        guard frames > 0 else {
            throw MediaError(.corrupt, path: source.path, start > source.videoStart
                             ? String(format: "holds no video frame from %.2f s on", start - source.videoStart)
                             : "holds no decodable video frame")
        }
        try audio?.finish(deliver)
        return frames
    }

    /// Gives each rendition its own reference to the frame, timed from the output's start.
    private static func hand(_ frame: Frame, to workers: [RenditionWorker], filter: FrameFilter?, pts: Int64, origin: (seconds: Double, pts: Int64),
                             timeBase: AVRational, lastPTS: inout Int64?, nextKeyframe: inout Double, interval: Double,
                             frameSeconds: Double) throws {
        // Encoders need strictly increasing timestamps; a repeated one is nudged forward.
        let stamp = lastPTS.map { max(pts, $0 + 1) } ?? pts
        lastPTS = stamp
        frame.pointer.pointee.pts = stamp - origin.pts
        let elapsed = Double(stamp - origin.pts) * av_q2d(timeBase)
        let keyframe = elapsed >= nextKeyframe - frameSeconds / 2
        if keyframe {
            while nextKeyframe <= elapsed + frameSeconds / 2 { nextKeyframe += interval }
        }
        let picture = try filter?.apply(frame) ?? frame
        for worker in workers {
            guard worker.queue.push(.video(try picture.reference(), keyframe: keyframe)) else { throw QueueStopped() }
        }
    }

    private static func makeWorker(_ rendition: TranscodeRendition, job: TranscodeJob, source: TranscodeSource, audio: AudioTrack?,
                                   staging: Staging, tree: String?) throws -> RenditionWorker {
        let rate = av_q2d(source.frameRate)
        let keyframeFrames = max(1, Int((job.keyframeInterval * rate).rounded(.up)))
        var settings = VideoEncoder.Settings(codecName: rendition.video.codec, width: rendition.width, height: rendition.height,
                                             frameRate: max(1, Int(rate.rounded())))
        settings.exactFrameRate = source.frameRate
        settings.timeBase = source.videoTimeBase
        settings.options = rendition.video.options
        settings.maxRate = rendition.video.maxRate
        settings.bufferSize = rendition.video.bufferSize
        settings.threads = rendition.video.threads
        // Keyframes come only where they are forced, every `keyframeInterval` seconds: the
        // encoder's own limit is set just past that, and scene-cut keyframes are off.
        settings.keyframeInterval = keyframeFrames + 1
        if rendition.video.codec == "libx264" {
            let extra = "scenecut=0"
            settings.options["x264-params"] = settings.options["x264-params"].map { $0 + ":" + extra } ?? extra
            settings.options["forced-idr"] = "1"
        } else {
            settings.options["keyint_min"] = settings.options["keyint_min"] ?? String(keyframeFrames)
        }
        let audioEncoder = audio?.encoder(for: rendition.audio)
        return try RenditionWorker(rendition: rendition, settings: settings, audio: audioEncoder, audioCodec: rendition.audio,
                                   queueDepth: job.queueDepth) { video, audioEncoder in
            var outputs: [RenditionOutput] = []
            if let file = rendition.file {
                outputs.append(try .file(staging.file(file), container: rendition.container, faststart: rendition.faststart,
                                         video: video, audio: audioEncoder))
            }
            if let name = rendition.hlsName, let tree, let hls = job.hls {
                let directory = (tree as NSString).appendingPathComponent(name)
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                outputs.append(try .hls(in: directory, segmentDuration: hls.segmentDuration, video: video, audio: audioEncoder))
            }
            return outputs
        }
    }

    /// Reads the media playlists the muxers wrote and writes the master playlist next to them.
    private static func writeMaster(_ settings: HLSSettings, workers: [RenditionWorker], frameRate: Double,
                                    staging: Staging) throws -> HLSTree {
        var playlists: [HLSMediaPlaylist] = []
        var variants: [(HLSPlaylists.Variant, bandwidth: (peak: Int, average: Int))] = []
        var masterPath = ""
        for worker in workers {
            guard let name = worker.rendition.hlsName,
                  let output = worker.outputs.first(where: { $0.path.hasSuffix("/" + name + "/index.m3u8") }) else { continue }
            let segments = try HLSPlaylists.segments(of: output.path)
            let bandwidth = HLSPlaylists.bandwidth(segments)
            let codecs = ([CodecString.of(worker.encoder.codecContext)] + (worker.audio == nil ? [] : ["mp4a.40.2"])).joined(separator: ",")
            let variant = HLSPlaylists.Variant(name: name, width: worker.rendition.width, height: worker.rendition.height,
                                               frameRate: frameRate, codecs: codecs)
            variants.append((variant, bandwidth))
            masterPath = ((output.path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/master.m3u8"
            playlists.append(HLSMediaPlaylist(name: name, path: staging.finalPath(of: output.path), width: variant.width,
                                              height: variant.height,
                                              segments: segments.map { HLSSegment(file: staging.finalPath(of: $0.file), duration: $0.duration, bytes: $0.bytes) },
                                              bandwidth: bandwidth.peak, averageBandwidth: bandwidth.average, codecs: codecs))
        }
        guard !variants.isEmpty else { throw MediaError(.unsupported, path: settings.directory, "no rendition was marked for HLS") }
        try HLSPlaylists.writeMaster(masterPath, variants: variants)
        return HLSTree(directory: settings.directory, master: staging.finalPath(of: masterPath), playlists: playlists)
    }

    private static func describe(_ worker: RenditionWorker, audio: AudioTrack?) -> TranscodedRendition {
        let rendition = worker.rendition
        let audioContext = worker.audio.flatMap { audio?.encoder(for: $0)?.codecContext }
        return TranscodedRendition(
            name: rendition.name, width: rendition.width, height: rendition.height, file: rendition.file,
            bytes: rendition.file.flatMap(Staging.size(of:)),
            videoCodec: CodecString.name(worker.encoder.codecContext), audioCodec: audioContext.map(CodecString.name),
            videoCodecString: CodecString.of(worker.encoder.codecContext), audioCodecString: audioContext.map(CodecString.of),
            videoBytes: worker.videoBytes, audioBytes: worker.audioBytes, keyframes: worker.keyframes)
    }

    private static func validate(_ job: TranscodeJob) throws {
        func refuse(_ detail: String) -> MediaError { MediaError(.unsupported, path: job.source, detail) }
        guard !job.renditions.isEmpty else { throw refuse("no rendition was asked for") }
        guard job.keyframeInterval > 0 else { throw refuse("the keyframe interval must be positive") }
        if let trim = job.trim {
            guard trim.start >= 0, trim.start.isFinite else { throw refuse("the trim must start at 0 s or later") }
            if let end = trim.end, !(end > trim.start) { throw refuse("the trim must end after it starts") }
        }
        var names = Set<String>()
        for rendition in job.renditions {
            guard rendition.width > 0, rendition.height > 0, rendition.width % 2 == 0, rendition.height % 2 == 0 else {
                throw refuse("rendition \(rendition.name): 4:2:0 video needs an even size, not \(rendition.width)×\(rendition.height)")
            }
            guard names.insert(rendition.name).inserted else { throw refuse("two renditions are named \(rendition.name)") }
            guard rendition.file != nil || rendition.hlsName != nil else { throw refuse("rendition \(rendition.name) goes nowhere") }
            if rendition.hlsName != nil {
                guard job.hls != nil else { throw refuse("rendition \(rendition.name) is marked for HLS but no HLS directory was given") }
                guard rendition.video.codec == "libx264", rendition.audio.codec == "aac" else {
                    throw refuse("rendition \(rendition.name): HLS takes H.264 and AAC")
                }
            }
        }
    }
}
