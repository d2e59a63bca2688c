import AvatarMedia

/// What to check: the inputs and parameters of one render.
public struct PreflightRequest: Sendable {
    public var photoPath: String
    public var audioPath: String?
    public var script: ScriptInput?
    public var voice: String?
    public var orientation: Orientation
    public var fit: Fit
    public var pricePerCallUSD: Double
    public var imageLimits: ImageLimits
    /// Where the Haar cascades are; nil: AVATARPIPE_CASCADES or Debian's opencv-data.
    public var cascadeDirectory: String?

    public init(photoPath: String, audioPath: String? = nil, script: ScriptInput? = nil, voice: String? = nil,
                orientation: Orientation = .landscape, fit: Fit = .cover,
                pricePerCallUSD: Double = ServiceLimits.defaultPricePerCallUSD, imageLimits: ImageLimits = .default) {
        self.photoPath = photoPath
        self.audioPath = audioPath
        self.script = script
        self.voice = voice
        self.orientation = orientation
        self.fit = fit
        self.pricePerCallUSD = pricePerCallUSD
        self.imageLimits = imageLimits
    }
}

/// The check report: `check --json` prints it; `run` writes it as preflight.json.
/// Keys may be added, never renamed (scripts rely on them).
public struct PreflightReport: Codable, Sendable {
    public var schemaVersion = 1
    public var verdict: Level
    public var findings: [Finding]
    public var photo: PhotoFacts?
    public var audio: AudioFacts?
    public var script: ScriptFacts?
    public var voice: VoiceFacts?
    public var framing: FramingFacts?
    public var cost: CostFacts
    /// With `check --fix`: the prepared files (this report then describes them) and the
    /// report of the original inputs.
    public var preparation: PreparationSummary?

    /// 0 ready (ok or warn), 2 an input could not be read at all, 3 blocked.
    public var exitCode: Int32 {
        if findings.contains(where: \.isUnreadableInput) { return 2 }
        return verdict == .block ? 3 : 0
    }
}

/// Runs every free check of one render: photo and audio decode in parallel, off the
/// cooperative pool; the rest is arithmetic.
public enum Preflight {
    public struct Result: Sendable {
        public var report: PreflightReport
        /// The decoded photo, for the stages that follow (faces, the preflight picture).
        public var image: RGBAImage?
    }

    public static func run(_ request: PreflightRequest) async -> Result {
        let limits = request.imageLimits
        let photoPath = request.photoPath
        let finders = FaceCheck.finders(cascadeDirectory: request.cascadeDirectory)
        async let photo = (try? await Offload.run { PhotoCheck.run(path: photoPath, limits: limits, faces: finders) })
            ?? PhotoCheck.Outcome(facts: nil, findings: [], image: nil)
        async let audio = request.audioPath.asyncMap { path in
            (try? await Offload.run { AudioCheck.run(path: path) }) ?? (nil, [])
        }
        let photoOutcome = await photo
        let audioOutcome = await audio
        return Result(report: assemble(request, photo: photoOutcome, audio: audioOutcome), image: photoOutcome.image)
    }

    static func assemble(_ request: PreflightRequest, photo: PhotoCheck.Outcome, audio: (AudioFacts?, [Finding])?) -> PreflightReport {
        var findings = photo.findings
        var framing: FramingFacts?
        if let facts = photo.facts, !photo.findings.contains(where: { $0.level == .block }) {
            let (framingFacts, framingFindings) = FramingCheck.run(photo: facts, orientation: request.orientation, fit: request.fit)
            framing = framingFacts
            findings += framingFindings
        }
        findings += audio?.1 ?? []
        let (scriptFacts, voiceFacts, speechFindings) = SpeechCheck.run(script: request.script, hasAudio: request.audioPath != nil,
                                                                       voice: request.voice)
        findings += speechFindings
        let (cost, costFinding) = CostEstimate.run(pricePerCall: request.pricePerCallUSD, audio: audio?.0, script: scriptFacts)
        findings.append(costFinding)
        return PreflightReport(verdict: findings.map(\.level).max() ?? .ok, findings: findings, photo: photo.facts,
                               audio: audio?.0, script: scriptFacts, voice: voiceFacts, framing: framing, cost: cost)
    }
}

public struct PreparationSummary: Codable, Sendable {
    public var photo: PreparedFile?
    public var audio: PreparedFile?
    public var originalVerdict: Level
    public var originalFindings: [Finding]
    /// Wall time of the preparation alone, seconds.
    public var seconds: Double

    public init(result: PreparationResult, original: PreflightReport) {
        photo = result.photo
        audio = result.audio
        seconds = result.seconds
        originalVerdict = original.verdict
        originalFindings = original.findings
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
