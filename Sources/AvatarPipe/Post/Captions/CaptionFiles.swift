import AvatarMedia
import Foundation

extension CaptionTrack {
    /// Writes `captions.vtt` and `captions.srt` into `directory` (created if needed), each
    /// whole or not at all; returns their paths.
    @discardableResult
    public func write(to directory: String) throws -> (webVTT: String, srt: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let vtt = (directory as NSString).appendingPathComponent("captions.vtt")
        let srt = (directory as NSString).appendingPathComponent("captions.srt")
        for (path, text) in [(vtt, webVTT), (srt, self.srt)] { try JobFilesystem.write(Data(text.utf8), to: path) }
        return (vtt, srt)
    }
}
