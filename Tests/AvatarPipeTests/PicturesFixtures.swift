import AvatarMedia
@testable import AvatarPipe
import Foundation
import TestSupport

/// Talking-avatar videos for the picture and page tests, made once per test process with the
/// preview renderer (the avatar) and the ffmpeg CLI (black leaders, silence), in a directory
/// removed when the process exits.
enum PictureVideos {
    static let directory: TemporaryDirectory = {
        let directory = TemporaryDirectory("avatarpipe-pictures")
        atexit { PictureVideos.directory.remove() }
        return directory
    }()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// 2.5 s of the avatar speaking (1280×720, 25 fps, H.264/AAC), as the preview renders it.
    static let avatar: Result<String, Failure> = {
        do {
            let photo = try ImageDecoder.decode(Fixtures.photo).image
            let face = FaceCheck.finders().fine.find(in: photo).faces.first?.rect
            var settings = PreviewSettings()
            settings.resolution = .p720
            let path = directory.file("avatar.mp4")
            _ = try PreviewRenderer.render(photo: photo, face: face, audioPath: Fixtures.generated("speech-2.5s.wav"),
                                           settings: settings, to: path)
            return .success(path)
        } catch {
            return .failure(Failure(description: "the preview renderer failed: \(error)"))
        }
    }()

    /// A second of black, then the avatar; the speech starts at 0 s, over the black.
    static let blackThenSpeech: Result<String, Failure> = leader(named: "black-then-speech.mp4", audioDelay: 0)

    /// A second of black and silence, then the avatar speaking.
    static let silenceThenSpeech: Result<String, Failure> = leader(named: "silence-then-speech.mp4", audioDelay: 1)

    /// The avatar without its sound track.
    static let silentMovie: Result<String, Failure> = avatar.flatMap { avatar in
        let path = directory.file("no-audio.mp4")
        let result = Judge.ffmpeg(["-loglevel", "error", "-y", "-i", avatar, "-an", "-c:v", "copy", path])
        return result.status == 0 ? .success(path) : .failure(Failure(description: "ffmpeg: \(result.stderr)"))
    }

    private static func leader(named name: String, audioDelay: Double) -> Result<String, Failure> {
        avatar.flatMap { avatar in
            let path = directory.file(name)
            let delay = Int(audioDelay * 1000)
            let result = Judge.ffmpeg([
                "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "color=c=black:s=1280x720:r=25:d=1",
                "-i", avatar,
                "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v];[1:a]adelay=\(delay):all=1,apad=whole_dur=3.5[a]",
                "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "50",
                "-c:a", "aac", "-b:a", "96k", "-t", "3.5", "-movflags", "+faststart", path,
            ])
            return result.status == 0 ? .success(path) : .failure(Failure(description: "ffmpeg: \(result.stderr)"))
        }
    }

    /// The frame of `video` at `seconds`, scaled by ffmpeg (area averaging) to `width`×`height`, as RGBA.
    static func scaledFrame(_ video: String, at seconds: Double, width: Int, height: Int) -> [UInt8] {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        let raw = scratch.file("frame.rgba")
        _ = Judge.ffmpeg(["-loglevel", "error", "-ss", String(seconds), "-i", video, "-frames:v", "1",
                          "-vf", "scale=\(width):\(height):flags=area", "-f", "rawvideo", "-pix_fmt", "rgba", raw])
        let data = (try? Data(contentsOf: URL(fileURLWithPath: raw))) ?? Data()
        return data.count == width * height * 4 ? [UInt8](data) : []
    }

    /// A still picture decoded by ffmpeg as RGBA (no -ss: on a single image it yields nothing).
    static func stillPixels(_ path: String, width: Int, height: Int) -> [UInt8] {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        let raw = scratch.file("still.rgba")
        _ = Judge.ffmpeg(["-loglevel", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", raw])
        let data = (try? Data(contentsOf: URL(fileURLWithPath: raw))) ?? Data()
        return data.count == width * height * 4 ? [UInt8](data) : []
    }

    /// Mean luma (0–255) of RGBA pixels.
    static func meanLuma(_ pixels: [UInt8]) -> Double {
        guard !pixels.isEmpty else { return 0 }
        var total = 0.0
        var i = 0
        while i + 3 < pixels.count {
            total += 0.299 * Double(pixels[i]) + 0.587 * Double(pixels[i + 1]) + 0.114 * Double(pixels[i + 2])
            i += 4
        }
        return total / Double(pixels.count / 4)
    }

    /// Mean absolute difference per channel between two RGBA buffers of one size.
    static func difference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return .infinity }
        var total = 0
        for i in 0..<a.count where i % 4 != 3 { total += abs(Int(a[i]) - Int(b[i])) }
        return Double(total) / Double(a.count / 4 * 3)
    }
}
