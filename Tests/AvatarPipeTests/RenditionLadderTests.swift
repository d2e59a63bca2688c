import AvatarMedia
import AvatarPipe
import Testing

@Suite struct RenditionLadderTests {
    static func sizes(_ width: Int, _ height: Int, steps: [Int]? = nil) -> [String] {
        RenditionLadder(sourceWidth: width, sourceHeight: height, steps: steps).rungs.map { "\($0.name) \($0.width)x\($0.height)" }
    }

    @Test func landscapeAndPortraitGetTheStandardStepsBelowTheirOwnSize() {
        #expect(Self.sizes(1920, 1080) == ["1080p 1920x1080", "720p 1280x720", "480p 854x480"])
        #expect(Self.sizes(1080, 1920) == ["1080p 1080x1920", "720p 720x1280", "480p 480x854"])
        #expect(Self.sizes(1280, 720) == ["720p 1280x720", "480p 854x480"])
        #expect(Self.sizes(720, 1280) == ["720p 720x1280", "480p 480x854"])
    }

    @Test func nothingIsUpscaledAndOddSizesBecomeEven() {
        #expect(Self.sizes(640, 360) == ["360p 640x360"])
        #expect(Self.sizes(641, 361) == ["360p 640x360"])
        #expect(Self.sizes(1920, 1080, steps: [2160, 720]) == ["720p 1280x720"])
        #expect(Self.sizes(1920, 1080, steps: [4000]).isEmpty)
    }

    @Test func eachRungHasItsCRFAndAStreamingCap() {
        let encoder = RenditionEncoder.talkingHead
        let rungs = RenditionLadder(sourceWidth: 1920, sourceHeight: 1080).rungs
        let settings = rungs.map(encoder.settings(for:))
        #expect(settings.allSatisfy { $0.options["crf"] == "22.0" })
        // Shorter lookahead and B-frame runs where frames are large (memory), longer where small.
        #expect(settings.map { $0.options["x264-params"] } == [
            "bframes=3:ref=2:rc-lookahead=6", "bframes=5:ref=3:rc-lookahead=8", "bframes=8:ref=3:rc-lookahead=12",
        ])
        #expect(settings.allSatisfy { $0.codec == "libx264" && $0.options["profile"] == "high" })
        #expect(settings.map { $0.maxRate ?? 0 } == [6_000_000, 3_500_000, 1_800_000])
        #expect(settings.allSatisfy { $0.bufferSize == ($0.maxRate ?? 0) * 2 })
    }
}
