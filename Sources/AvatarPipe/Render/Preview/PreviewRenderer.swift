import AvatarMedia
import Foundation

public struct PreviewResult: Codable, Sendable, Equatable {
    public var path: String
    public var frames: Int
    public var duration: Double
    public var width: Int
    public var height: Int
    public var frameRate: Int
}

/// A local stand-in for the paid render: the photo in the service's output geometry, moving
/// (push-in, sway, a mouth that follows the speech), with a PREVIEW badge, and the speech as
/// AAC — H.264 in MP4 with faststart, written through AvatarMedia (no ffmpeg CLI).
public enum PreviewRenderer {
    public static func render(photo: RGBAImage, face: Rect?, audioPath: String, settings: PreviewSettings,
                              to path: String) throws -> PreviewResult {
        let envelope = try SpeechEnvelope.measure(audioPath, frameRate: settings.frameRate)
        let canvas = try PreviewCanvas.make(photo: photo, face: face, settings: settings)
        let (width, height) = settings.frameSize
        let motion = MotionPath(duration: envelope.duration, frameWidth: Double(width), frameHeight: Double(height),
                                masterWidth: Double(canvas.master.width), masterHeight: Double(canvas.master.height),
                                oversize: canvas.oversize, face: canvas.face)
        let badge = settings.badge ? try PreviewBadge.make(frameWidth: width, frameHeight: height, text: settings.badgeText) : nil
        let mouth = canvas.face.map(MouthWarp.init)
        let reader = try AudioReader(path: audioPath, sampleRate: 48000, channels: nil)
        let channels = min(2, reader.outputChannels)
        let audio = channels == reader.outputChannels ? reader : try AudioReader(path: audioPath, sampleRate: 48000, channels: channels)
        var movie = MovieWriter.Settings(width: width, height: height, frameRate: settings.frameRate)
        movie.videoOptions = ["preset": settings.preset, "tune": "stillimage", "crf": "\(settings.crf)", "profile": "high"]
        if let params = settings.x264Params { movie.videoOptions["x264-params"] = params }
        movie.keyframeInterval = settings.frameRate * 2
        movie.audioChannels = channels
        let writer = try MovieWriter(path: path, settings: movie)
        let frame = try YUVFrame(width: width, height: height)
        let totalFrames = max(1, envelope.openness.count)
        var next = 0
        var scratch: [UInt8] = []
        let drawFrame = { (index: Int) throws in
            try frame.makeWritable()
            let time = Double(index) / Double(settings.frameRate)
            let view = motion.view(at: time)
            FrameResampler.draw(view, from: canvas.master, into: frame)
            mouth?.apply(envelope.openness[min(index, envelope.openness.count - 1)], view: view, frame: frame, scratch: &scratch)
            badge?.blend(into: frame)
            try writer.write(frame)
        }
        var audioSeconds = 0.0
        try audio.read { block in
            try writer.write(audio: block.channels, frames: block.frames)
            audioSeconds += Double(block.frames) / 48000
            // Keep the video up with the audio so the muxer interleaves from a short queue.
            while next < totalFrames && Double(next + 1) / Double(settings.frameRate) <= audioSeconds {
                try drawFrame(next)
                next += 1
            }
        }
        while next < totalFrames {
            try drawFrame(next)
            next += 1
        }
        try writer.finish()
        return PreviewResult(path: path, frames: totalFrames, duration: Double(totalFrames) / Double(settings.frameRate),
                             width: width, height: height, frameRate: settings.frameRate)
    }
}
