import AvatarHTTP

/// Everything `avatarpipe run` was asked to do.
public struct RunRequest: Sendable {
    public enum API: String, Sendable { case v2, v1 }

    public var preflight: PreflightRequest
    public var preparation: PreparationOptions
    public var parameters: RenderParameters
    public var jobDirectory: String
    public var api: API = .v2
    /// Submit even when an identical render was paid for, or when a submit of it died without
    /// its answer (that claim is kept as abandoned).
    public var forceNew = false
    /// The most one run may spend, USD.
    public var maxCostUSD: Double?
    /// Inputs that were given as https:// URLs (downloaded once for the checks): when the
    /// preparation leaves them as they are, the service gets the original URL.
    public var sourceURLs: [String: String] = [:]

    public init(preflight: PreflightRequest, preparation: PreparationOptions, parameters: RenderParameters, jobDirectory: String) {
        self.preflight = preflight
        self.preparation = preparation
        self.parameters = parameters
        self.jobDirectory = jobDirectory
    }
}

/// What a run reports while it works (the CLI draws progress from these).
public protocol RunObserver: Sendable {
    func stage(_ name: String, _ message: String)
    func waiting(_ update: RenderPoller.Update, typicalSeconds: Double)
    func downloading(_ progress: DownloadProgress)
    /// Work done in a long local stage, e.g. frames of the renditions (`total` when known).
    func working(_ stage: String, done: Int, total: Int?, unit: String)
}

extension RunObserver {
    public func working(_ stage: String, done: Int, total: Int?, unit: String) {}
}

public struct RunOutcome: Sendable {
    public var journal: JobJournal
    public var report: PreflightReport?
    /// True when this run paid for nothing: the render was stored already, or another
    /// process made it.
    public var reused: Bool
    /// The render's row in the ledger.
    public var renderID: Int64?
}
