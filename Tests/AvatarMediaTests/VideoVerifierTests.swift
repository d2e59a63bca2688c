import AvatarMedia
import Foundation
import Testing
import TestSupport

/// The strict check a paid render passes before it is stored: whole, decodable, with sound,
/// and as long as it says it is.
@Suite struct VideoVerifierTests {
    @Test func aCleanVideoVerifies() throws {
        let verified = try VideoVerifier.verify(Fixtures.generated("video-3s.mp4"))
        #expect(verified.decodedFrames == 75)
        #expect(abs(verified.decodedVideoSeconds - 3) < 0.05)
        #expect(verified.decodedAudioSeconds > 2.5)
    }

    @Test(arguments: [
        ("photo-200.png", "picture"),
        ("video-truncated-faststart.mp4", ""),
        ("video-truncated.mp4", ""),
        ("video-corrupt.mp4", ""),
        ("video-noaudio.mp4", "no audio"),
        ("video-empty.mp4", ""),
    ])
    func aDefectiveDownloadIsDamagedNotLocal(name: String, words: String) throws {
        let path = Fixtures.generated(name)
        do {
            _ = try VideoVerifier.verify(path)
            Issue.record("\(name) verified")
        } catch VerificationFailure.damaged(let failing, let reason) {
            #expect(failing == path)
            #expect(words.isEmpty || reason.contains(words), "\(reason)")
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    /// A faststart MP4 cut exactly at a packet's start: every packet that is there decodes
    /// cleanly (`ffmpeg -f null` exits 0), and only the declared length gives it away.
    @Test func aFaststartFileCutAtAPacketBoundaryIsCaught() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let whole = directory.file("whole.mp4"), cut = directory.file("cut.mp4")
        #expect(Shell.run("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-i", Fixtures.generated("video-3s.mp4"), "-c", "copy",
                                              "-movflags", "+faststart", whole]).status == 0)
        let packets = Shell.run("/usr/bin/ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pos",
                                                     "-of", "csv=p=0", whole]).stdout.split(separator: "\n").compactMap { Int($0) }
        let position = try #require(packets.dropFirst(packets.count * 3 / 4).first)
        let data = try #require(FileManager.default.contents(atPath: whole))
        try data.prefix(position).write(to: URL(fileURLWithPath: cut))
        #expect(Shell.run("/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-i", cut, "-f", "null", "-"]).status == 0)
        #expect(throws: VerificationFailure.self) { try VideoVerifier.verify(cut) }
    }

    /// Under a second of frames is not a render, even when it decodes cleanly.
    @Test func aSingleFrameIsNotAVideo() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let short = directory.file("short.mp4")
        let made = Shell.run("/usr/bin/ffmpeg", ["-nostdin", "-loglevel", "error", "-i", Fixtures.generated("video-3s.mp4"),
                                                 "-frames:v", "1", "-t", "0.04", "-c:v", "libx264", "-c:a", "aac", short])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(throws: VerificationFailure.self) { try VideoVerifier.verify(short) }
    }
}
