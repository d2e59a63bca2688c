import AvatarSandbox
import Testing

@Suite struct SandboxInfoTests {
    /// A sandbox given no key makes one up: different each time, and never a real key's shape.
    @Test func madeUpKeysDiffer() {
        let first = SandboxInfo.makeKey(), second = SandboxInfo.makeKey()
        #expect(first != second)
        #expect(first.hasPrefix("sbx-") && first.count == 36)
    }
}
