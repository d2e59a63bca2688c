import CCurl
import CFFmpeg
import CPNG
import Glibc
import Testing

/// The shim headers re-export what Swift cannot import; check they give FFmpeg's real values.
@Suite struct ShimTests {
    @Test func ffmpegErrorCodesMatchTheMacros() {
        #expect(swift_AVERROR(EAGAIN) == -EAGAIN)
        #expect(swift_AVERROR_EAGAIN == -EAGAIN)
        // AVERROR_EOF is FFERRTAG('E','O','F',' ').
        let tag = Int32(bitPattern: UInt32(0x45) | UInt32(0x4F) << 8 | UInt32(0x46) << 16 | UInt32(0x20) << 24)
        #expect(swift_AVERROR_EOF == -tag)
        #expect(swift_AV_NOPTS_VALUE == Int64.min)
        #expect(swift_AV_TIME_BASE_Q().den == AV_TIME_BASE)
        #expect(swift_channel_layout_stereo().nb_channels == 2)
    }

    @Test func pngFormatFlags() {
        #expect(swift_PNG_FORMAT_RGBA == swift_PNG_FORMAT_FLAG_ALPHA | swift_PNG_FORMAT_FLAG_COLOR)
        #expect(swift_PNG_IMAGE_VERSION == 1)
    }

    @Test func curlTypedSetoptWrappers() throws {
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK)
        #expect(curl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:9/") == CURLE_OK)
        var code: Int = -1
        #expect(curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
        #expect(code == 0)
    }
}
