import AvatarMedia
import AvatarPipe
import Foundation

/// Why a job ended FAILED, in words for the `error` field.
struct JobFailure: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// One job's work once its inputs are on disk: HeyGen's checks of the photo and the audio,
/// speech for a script-only job, and the stand-in video. Blocking; run it with `Offload`.
struct SandboxRender: Sendable {
    var imagePath: String
    var imageURL: String
    var audioPath: String?
    var audioURL: String?
    var script: String?
    var voiceID: String
    var settings: PreviewSettings
    var directory: String
    var output: String

    func run() throws -> PreviewResult {
        let image = try checkPhoto()
        let speech: String
        if let audioPath, let audioURL {
            try checkAudio(audioPath, url: audioURL)
            speech = audioPath
        } else {
            do {
                speech = try ScriptSpeech.wav(for: script ?? "", voiceID: voiceID, in: directory)
            } catch {
                throw JobFailure("text-to-speech failed for the script: \(error)")
            }
        }
        let face = FaceFinder(configuration: .init()).find(in: image).faces.first?.rect
        do {
            return try PreviewRenderer.render(photo: image, face: face, audioPath: speech, settings: settings, to: output)
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw JobFailure("rendering failed: \(error)")
        }
    }

    /// JPG or PNG by content, an extension in the URL that says the same, 512 px or more a
    /// side, the long side under 2048, at most 50 MB, and decodable.
    func checkPhoto() throws -> RGBAImage {
        let bytes = SandboxRender.size(of: imagePath)
        if bytes > ServiceLimits.maxFileBytes {
            throw JobFailure("image_url holds \(bytes) bytes; the limit is \(ServiceLimits.maxFileBytes) (50 MB)")
        }
        let header: ImageHeader
        do {
            header = try ImageHeader.read(imagePath)
        } catch {
            throw JobFailure("image_url did not give an image (\(bytes) bytes that are not JPG or PNG)")
        }
        guard header.format == .png || header.format == .jpeg else {
            let what = header.format == .unknown ? "not an image" : header.format.displayName
            throw JobFailure("image_url is \(what); the service takes JPG or PNG photos")
        }
        let suffix = SandboxRender.fileExtension(of: imageURL)
        guard header.format.extensions.contains(suffix) else {
            throw JobFailure(suffix.isEmpty
                ? "image_url has no file extension; it must end in .\(header.format.extensions[0]) to match its \(header.format.displayName) content"
                : "image_url ends in .\(suffix) but holds \(header.format.displayName) data; the extension must match the content")
        }
        if let width = header.displayWidth, let height = header.displayHeight {
            if min(width, height) < ServiceLimits.photoMinSide {
                throw JobFailure("the photo is \(width)×\(height) px; the service needs at least "
                    + "\(ServiceLimits.photoMinSide)×\(ServiceLimits.photoMinSide)")
            }
            if max(width, height) >= ServiceLimits.photoMaxLongSide {
                throw JobFailure("the photo is \(width)×\(height) px; its long side must be under \(ServiceLimits.photoMaxLongSide) px")
            }
        }
        do {
            return try ImageDecoder.decode(imagePath, header: header).image
        } catch let error as MediaError {
            throw JobFailure("image_url's \(header.format.displayName) cannot be decoded: \(error.detail)")
        } catch {
            throw JobFailure("image_url's \(header.format.displayName) cannot be decoded")
        }
    }

    /// WAV or MP3 by content with a matching extension, an audio stream, at most 600 s and 50 MB.
    func checkAudio(_ path: String, url: String) throws {
        let bytes = SandboxRender.size(of: path)
        if bytes > ServiceLimits.maxFileBytes {
            throw JobFailure("audio_url holds \(bytes) bytes; the limit is \(ServiceLimits.maxFileBytes) (50 MB)")
        }
        let info: MediaInfo
        do {
            info = try MediaProbe.probe(path)
        } catch {
            throw JobFailure("audio_url did not give audio the service can read (WAV or MP3)")
        }
        guard ServiceLimits.audioContainers.contains(info.container), let stream = info.firstAudio else {
            throw JobFailure("audio_url is \(info.containerLongName.isEmpty ? info.container : info.containerLongName); "
                + "the service takes WAV or MP3 audio")
        }
        let suffix = SandboxRender.fileExtension(of: url)
        guard suffix == info.container else {
            throw JobFailure(suffix.isEmpty
                ? "audio_url has no file extension; it must end in .\(info.container) to match its content"
                : "audio_url ends in .\(suffix) but holds \(info.container.uppercased()) audio; the extension must match the content")
        }
        let duration = info.duration ?? stream.duration ?? 0
        if duration > ServiceLimits.audioMaxSeconds {
            throw JobFailure(String(format: "the audio is %.1f s long; the service takes at most %.0f s",
                                    duration, ServiceLimits.audioMaxSeconds))
        }
        guard duration > 0 else { throw JobFailure("audio_url's audio has no duration (empty or damaged)") }
    }

    static func fileExtension(of url: String) -> String {
        let path = URLComponents(string: url)?.path ?? ""
        return (path as NSString).pathExtension.lowercased()
    }

    static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}
