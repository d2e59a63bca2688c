import AvatarPipe
import Foundation

/// How a sandbox starts. Everything here can also be changed while it runs, through
/// `Sandbox.control(_:)` or `POST /sandbox/control`, except where it listens and the key.
public struct SandboxConfiguration: Sendable {
    /// How `GET response_url` (and the JSON form of v1) gives the video: a plain URL string,
    /// or an object `{"video_url": "..."}`. The real service's shape is not pinned down, so a
    /// client must handle both.
    public enum OutputShape: String, Sendable, Codable, CaseIterable {
        case string
        case object
    }

    /// What `POST /v1/heygen-avatar-iv` answers on success: the MP4 itself (the card's
    /// "Returns: Video"), or JSON carrying the video's URL.
    public enum V1Answer: String, Sendable, Codable, CaseIterable {
        case video
        case json
    }

    /// Which requests count against `requestsPerMinute`.
    public enum RateLimitScope: String, Sendable, Codable, CaseIterable {
        /// Only the paid submits (`POST /v1|v2/heygen-avatar-iv`).
        case submits
        /// Every request that carries the key: submits, polls, credits, uploads.
        case all
    }

    /// The interface to listen on. Loopback unless told otherwise.
    public var host = "127.0.0.1"
    /// 0 picks a free port; `Sandbox.port` says which.
    public var port = 0
    /// The only `x-api-key` the sandbox accepts.
    public var key = SandboxInfo.makeKey()
    /// Starting balance in credits (1 credit = 1 USD, as Segmind counts).
    public var balance = 100.0
    /// What one completed render costs.
    public var price = ServiceLimits.defaultPricePerCallUSD
    /// Seconds from submission to COMPLETED (at least as long as the local render takes);
    /// the first quarter of it is spent QUEUED. 0 for tests.
    public var latency = 3.0
    /// Seconds after submission when a result (status, response and the video) expires.
    public var resultLifetime = 3600.0
    /// Paid submits (or, with `rateLimitScope = .all`, keyed requests) allowed in any
    /// sliding 60 s; nil for no limit.
    public var requestsPerMinute: Int?
    public var rateLimitScope = RateLimitScope.submits
    public var resolution = PreviewSettings.Resolution.p720
    /// libx264 preset of the stand-in renders.
    public var x264Preset = "veryfast"
    public var outputShape = OutputShape.string
    public var v1Answer = V1Answer.video
    /// Whether `POST /upload-asset` takes `audio/wav` data URLs. The official SDK's list of
    /// audio types has MP3 and no WAV, so by default the sandbox refuses them with 400.
    public var acceptsWAVUploads = false
    /// The largest file one data URL may carry once decoded (the service's 50 MB).
    public var maxUploadFileBytes = Int(ServiceLimits.maxFileBytes)
    /// Renders that may run at once; further jobs wait their turn while PROCESSING.
    public var concurrentRenders = 1
    /// Render the same photo, speech and framing once: later jobs get a copy. For tests and
    /// benchmarks, where the sandbox's own encoding would compete for the client's cores.
    public var memoizeRenders = false
    /// Where uploads, fetched inputs and renders are kept. Nil: a fresh temporary
    /// directory, removed by `stop()`. A given directory is left in place.
    public var directory: String?
    /// Faults armed from the start (the CLI's fault flags).
    public var faults = SandboxControl()
    /// Receives one line per request and per job event; never the key.
    public var log: (@Sendable (String) -> Void)?

    public init() {}
}
