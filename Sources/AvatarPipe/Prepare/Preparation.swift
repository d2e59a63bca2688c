import AvatarMedia
import Foundation

/// What `check --fix` and `run` prepare, and where: the job directory's `input/`.
public struct PreparationOptions: Sendable {
    public var photo = PhotoPreparation()
    public var audio = AudioPreparation()

    public init() {}
}

public struct PreparationResult: Codable, Sendable, Equatable {
    public var photo: PreparedFile?
    public var audio: PreparedFile?
    /// Wall time of the preparation, seconds.
    public var seconds: Double = 0
}

/// Prepares the inputs of a checked render (photo and audio in parallel, off the
/// cooperative pool). Inputs the check blocked are never prepared.
public enum Preparation {
    public static func run(_ checked: Preflight.Result, options: PreparationOptions, jobDirectory: String) async throws -> PreparationResult {
        let input = (jobDirectory as NSString).appendingPathComponent("input")
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let report = checked.report
        let image = checked.image
        let face = report.photo?.faces?.first?.rect
        let photoOptions = options.photo, audioOptions = options.audio
        let started = ContinuousClock.now
        async let photo = report.photo.asyncMap { facts in
            try await Offload.run { try PhotoPreparer.prepare(facts, image: image, face: face, options: photoOptions, into: input) }
        }
        async let audio = report.audio.asyncMap { facts in
            try await Offload.run { try AudioPreparer.prepare(facts, options: audioOptions, into: input) }
        }
        var result = PreparationResult(photo: try await photo, audio: try await audio)
        let elapsed = ContinuousClock.now - started
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return result
    }

    /// The same check request, pointed at the prepared files.
    public static func recheckRequest(_ request: PreflightRequest, prepared: PreparationResult) -> PreflightRequest {
        var again = request
        if let photo = prepared.photo { again.photoPath = photo.path }
        if let audio = prepared.audio { again.audioPath = audio.path }
        return again
    }
}
