import AvatarHTTP
import Testing

@Suite struct CurlGlobalTests {
    @Test func libcurlIsLinked() {
        #expect(CurlGlobal.version.hasPrefix("libcurl/"))
    }
}
