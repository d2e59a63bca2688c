/// The local fake of Segmind's HeyGen Avatar IV API (see the README's "Sandbox").
public enum SandboxInfo {
    /// The API key the sandbox accepts unless told otherwise.
    public static let defaultKey = "sandbox-key"
}
