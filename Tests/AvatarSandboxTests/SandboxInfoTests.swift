import AvatarSandbox
import Testing

@Suite struct SandboxInfoTests {
    @Test func hasADefaultKey() {
        #expect(!SandboxInfo.defaultKey.isEmpty)
    }
}
