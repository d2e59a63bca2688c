import Foundation

/// `job.json`: the readable mirror of one job directory. The truth about the render (the
/// claim, the request id, the stored video, the charge) is the ledger's; this file repeats
/// it, written atomically after each step, so that a person (or a script) can read a job
/// directory without the ledger. It names the ledger and the render's row there, which is
/// what `resume` works from. No secret is ever written here: URLs are stored redacted.
public struct JobJournal: Codable, Sendable {
    public enum Stage: String, Codable, Sendable {
        case created, checked, prepared
        /// This process holds the ledger's claim on the render (nothing sent yet).
        case claimed
        /// Another process holds the claim: this job waits for its render.
        case following
        case hosted
        /// The submit request was (or was about to be) sent; its answer is unknown.
        case submitting
        case submitted, completed
        /// render.mp4 is downloaded and verified.
        case rendered
        case failed, expired
    }

    public struct FileRecord: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int64
    }

    public struct HostedRecord: Codable, Sendable, Equatable {
        public var role: String
        /// Redacted: presigned query strings are removed.
        public var url: String
        public var key: String
        public var expiresAt: Date?
        public var contentType: String
        public var removed: Bool = false
    }

    public struct Credits: Codable, Sendable, Equatable {
        public var before: Double?
        public var after: Double?
        /// before − after: what the render really cost.
        public var charged: Double?
    }

    public struct RenderRecord: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int64
        public var duration: Double?
        public var width: Int?
        public var height: Int?
        public var videoCodec: String?
        public var audioCodec: String?
        public var verifiedAt: Date
    }

    public struct Event: Codable, Sendable, Equatable {
        public var at: Date
        public var stage: Stage
        public var message: String
    }

    public var schemaVersion = 2
    public var createdAt: Date
    public var updatedAt: Date
    public var stage: Stage
    public var api: String
    /// The API base's origin the render belongs to (`sandbox:built-in` for `--sandbox`).
    public var endpoint: String?
    /// The ledger that holds the truth, and this render's row in it.
    public var ledger: String?
    public var renderId: Int64?
    public var host: String?
    public var inputs: [String: FileRecord] = [:]
    public var script: String?
    public var prepared: [String: FileRecord] = [:]
    public var parameters: RenderParameters
    public var renderKey: String?
    public var estimateUsd: Double?
    public var hosted: [HostedRecord] = []
    public var submission: Submission?
    public var submitStartedAt: Date?
    public var serviceStatus: String?
    public var serviceError: String?
    public var outputURL: String?
    public var credits = Credits()
    public var render: RenderRecord?
    /// Set when render.mp4 came from the cache of an earlier, identical render.
    public var reusedFrom: String?
    public var timings: [String: Double] = [:]
    public var events: [Event] = []

    enum CodingKeys: String, CodingKey {
        case schemaVersion, createdAt, updatedAt, stage, api, endpoint, ledger, renderId, host, inputs, script, prepared, parameters, renderKey, estimateUsd
        case hosted, submission, submitStartedAt, serviceStatus, serviceError, outputURL = "outputUrl", credits, render, reusedFrom
        case timings, events
    }

    public init(parameters: RenderParameters, api: String) {
        let now = Date()
        createdAt = now
        updatedAt = now
        stage = .created
        self.api = api
        self.parameters = parameters
    }

    public static func path(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("job.json")
    }

    public static func load(from directory: String) throws -> JobJournal {
        let path = JobJournal.path(in: directory)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RenderError.refused("\(directory) has no job.json: it is not an avatarpipe job directory")
        }
        do {
            return try JobFilesystem.decoder().decode(JobJournal.self, from: data)
        } catch {
            throw RenderError.refused("\(path) cannot be read: \(error)")
        }
    }

    public static func exists(in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: path(in: directory))
    }

    /// Moves to `stage`, notes why, and writes the journal to disk (fsync + rename).
    public mutating func record(_ stage: Stage, _ message: String, in directory: String) throws {
        self.stage = stage
        updatedAt = Date()
        events.append(Event(at: updatedAt, stage: stage, message: message))
        try save(in: directory)
    }

    public mutating func save(in directory: String) throws {
        updatedAt = Date()
        try JobFilesystem.write(try JobFilesystem.encoder().encode(self), to: JobJournal.path(in: directory))
    }
}
