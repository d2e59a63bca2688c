public struct CostFacts: Codable, Sendable, Equatable {
    public var estimateUsd: Double
    public var pricePerCallUsd: Double
    /// Seconds of video expected: the audio's length, or the script's estimated speaking time.
    public var expectedDuration: Double?
    public var basis: String
    public var typicalRenderSeconds: Double
}

/// What one render will cost. The card prices a call at about $2.216; HeyGen bills Avatar IV
/// by output second, so the credits read before and after a real render are the truth
/// (the render stage records both).
public enum CostEstimate {
    public static func run(pricePerCall: Double, audio: AudioFacts?, script: ScriptFacts?) -> (CostFacts, Finding) {
        let duration = audio?.duration ?? (script.map(\.estimatedDuration).flatMap { $0 > 0 ? $0 : nil })
        let facts = CostFacts(estimateUsd: pricePerCall, pricePerCallUsd: pricePerCall, expectedDuration: duration,
                              basis: "per call (API card)", typicalRenderSeconds: ServiceLimits.typicalRenderSeconds)
        let length = duration.map { " for about \(Format.seconds($0)) of video" } ?? ""
        let message = "one render costs about \(Format.usd(pricePerCall))\(length) and takes about "
            + "\(Format.seconds(ServiceLimits.typicalRenderSeconds)); the balance is read before and after to record the real charge"
        var values: [String: FactValue] = ["estimate_usd": .of(pricePerCall)]
        if let duration { values["expected_duration"] = .of(duration) }
        return (facts, Finding(.ok, "cost.estimate", message, values: values))
    }
}
