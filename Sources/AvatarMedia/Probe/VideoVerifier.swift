import CFFmpeg

/// Proof that a file is a whole, decodable video: every video packet is decoded (a
/// truncated or damaged download fails here, not later in someone's browser).
public struct VerifiedVideo: Sendable, Equatable {
    public var info: MediaInfo
    public var decodedFrames: Int
    public var damagedPackets: Int
}

public enum VideoVerifier {
    public static func verify(_ path: String) throws -> VerifiedVideo {
        let info = try MediaProbe.probe(path)
        let demuxer = try Demuxer(path: path)
        try demuxer.findStreamInfo()
        guard let index = demuxer.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError(.noStream, path: path, "holds no video stream")
        }
        let decoder = try Decoder(stream: demuxer.stream(index), path: path)
        let packet = try Packet(), frame = try Frame()
        var frames = 0, damaged = 0, inputDone = false
        decoding: while true {
            switch try receive(decoder, frame, &damaged) {
            case .frame:
                frames += 1
                frame.unref()
            case .finished:
                break decoding
            case .needsInput:
                if inputDone { break decoding }
                if try demuxer.read(into: packet) {
                    defer { packet.unref() }
                    guard packet.streamIndex == index else { continue }
                    do { _ = try decoder.send(packet) } catch let error as FFmpegError where error.isDamagedData { damaged += 1 }
                } else {
                    _ = try decoder.send(nil)
                    inputDone = true
                }
            }
        }
        guard frames > 0 else { throw MediaError(.corrupt, path: path, "holds no decodable video frame") }
        if damaged > 0 {
            throw MediaError(.corrupt, path: path, "has \(damaged) damaged video packet(s) (\(frames) frames decoded)")
        }
        return VerifiedVideo(info: info, decodedFrames: frames, damagedPackets: damaged)
    }

    private static func receive(_ decoder: Decoder, _ frame: Frame, _ damaged: inout Int) throws -> Decoder.Output {
        do { return try decoder.receive(into: frame) } catch let error as FFmpegError where error.isDamagedData {
            damaged += 1
            return .needsInput
        }
    }
}
