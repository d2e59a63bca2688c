import AvatarMedia
import Foundation
import Testing
import TestSupport

@Suite struct ImageTests {
    /// The ffmpeg CLI's RGBA rendering of a file, as the judge.
    func judgeRGBA(_ path: String) -> [UInt8] {
        let out = TemporaryDirectory()
        defer { out.remove() }
        let raw = out.file("frame.rgba")
        _ = Judge.ffmpeg(["-loglevel", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", raw])
        return [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: raw))) ?? Data())
    }

    @Test func pngDecodesExactlyAsFFmpeg() throws {
        let decoded = try ImageDecoder.decode(Fixtures.photo)
        #expect(decoded.image.width == 512 && decoded.image.height == 512)
        #expect(decoded.header.format == .png)
        #expect(decoded.storedPixelFormat == "rgb8")
        #expect(!decoded.hasAlphaChannel)
        #expect(decoded.image.pixels == judgeRGBA(Fixtures.photo))
    }

    @Test func jpegDecodesCloseToFFmpeg() throws {
        let path = Fixtures.generated("photo.jpg")
        let decoded = try ImageDecoder.decode(path)
        #expect(decoded.header.format == .jpeg)
        let judged = judgeRGBA(path)
        try #require(judged.count == decoded.image.pixels.count)
        let difference = zip(decoded.image.pixels, judged).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        #expect(Double(difference) / Double(judged.count) < 2.0)
    }

    @Test func webpAndJPEGNamedPNGDecode() throws {
        let webp = try ImageDecoder.decode(Fixtures.generated("photo.webp"))
        #expect(webp.header.format == .webp)
        #expect(webp.image.width == 512)
        let misnamed = try ImageDecoder.decode(Fixtures.generated("photo-jpeg-named.png"))
        #expect(misnamed.header.format == .jpeg)
        #expect(misnamed.image.height == 512)
    }

    @Test func bombIsRefusedFromItsHeader() throws {
        let error = try #require(throws: MediaError.self) { try ImageDecoder.decode(Fixtures.generated("photo-bomb.png")) }
        #expect(error.kind == .tooLarge)
        #expect(error.detail.contains("100000×100000"))
    }

    @Test(arguments: ["photo-truncated.png", "photo-truncated.jpg"])
    func truncatedImagesAreRefused(file: String) throws {
        let error = try #require(throws: MediaError.self) { try ImageDecoder.decode(Fixtures.generated(file)) }
        #expect(error.kind == .truncated)
        #expect(error.path.hasSuffix(file))
    }

    @Test func exifOrientationIsApplied() throws {
        let header = try ImageHeader.read(Fixtures.generated("halves-exif6.jpg"))
        #expect(header.orientation == 6)
        #expect(header.width == 640 && header.height == 480)
        #expect(header.displayWidth == 480 && header.displayHeight == 640)
        let decoded = try ImageDecoder.decode(Fixtures.generated("halves-exif6.jpg"))
        #expect(decoded.image.width == 480 && decoded.image.height == 640)
        // Stored red-left/blue-right, displayed rotated clockwise: red on top, blue below.
        let top = decoded.image.pixel(x: 240, y: 100), bottom = decoded.image.pixel(x: 240, y: 540)
        #expect(top.r > 200 && top.b < 60)
        #expect(bottom.b > 200 && bottom.r < 60)
    }

    @Test func orientationsRoundTrip() {
        let pixels = (0..<(3 * 2 * 4)).map { UInt8($0) }
        let image = RGBAImage(width: 3, height: 2, pixels: pixels)
        // 6 (90° clockwise) then 8 (90° counter-clockwise) is the identity; 3 twice too.
        #expect(image.oriented(6).oriented(8) == image)
        #expect(image.oriented(3).oriented(3) == image)
        #expect(image.oriented(5).oriented(5) == image)
        #expect(image.oriented(6).width == 2)
    }

    @Test func alphaAndGrayAreReported() throws {
        let rgba = try ImageDecoder.decode(Fixtures.generated("photo-rgba.png"))
        #expect(rgba.hasAlphaChannel && rgba.usesTransparency)
        let opaque = try ImageDecoder.decode(Fixtures.generated("photo-rgba-opaque.png"))
        #expect(opaque.hasAlphaChannel && !opaque.usesTransparency)
        let gray = try ImageDecoder.decode(Fixtures.generated("photo-gray.png"))
        #expect(gray.storedPixelFormat == "gray8")
        #expect(gray.image.isGrayscale)
    }

    @Test func headersGiveSizesWithoutDecoding() throws {
        #expect(try ImageHeader.read(Fixtures.generated("photo.webp")).width == 512)
        #expect(try ImageHeader.read(Fixtures.generated("photo-2400.png")).height == 2400)
        let bomb = try ImageHeader.read(Fixtures.generated("photo-bomb.png"))
        #expect(bomb.width == 100_000 && bomb.isComplete == true)
        #expect(try ImageHeader.read(Fixtures.generated("photo-truncated.png")).isComplete == false)
        #expect(try ImageHeader.read(Fixtures.generated("photo-truncated.jpg")).isComplete == false)
        #expect(try ImageHeader.read(Fixtures.generated("photo.jpg")).isComplete == true)
    }
}
