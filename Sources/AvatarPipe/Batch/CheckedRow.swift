import Foundation

/// A row's check, kept in its directory (`check.json`) with a fingerprint of what it was made
/// from — the row's fields, the options that shape a check, the inputs' content — so that a
/// later run of the batch (production after the dry run, `resume`) starts from it instead of
/// checking and preparing again, as long as nothing changed and the prepared files are intact.
struct CheckedRow: Codable {
    static let fileName = "check.json"
    /// Raised when what a check finds or prepares changes meaning.
    static let version = "check-1"

    var fingerprint: String
    var prepared: PreparedRender

    static func fingerprint(of row: BatchRow, options: BatchOptions) throws -> String {
        var parts = [version, row.id, row.photo, row.audio ?? "", row.script ?? "", row.title ?? "", row.voice ?? "",
                     row.orientation.rawValue, row.fit.rawValue, row.motion ?? "", String(row.enhanceMotion),
                     String(options.pricePerCallUSD ?? ServiceLimits.defaultPricePerCallUSD)]
        for input in [row.photo, row.audio].compactMap({ $0 }) where !RemoteInputs.isURL(input) {
            parts.append(try FileHash.sha256(ofFile: input))
        }
        return FileHash.sha256(parts.joined(separator: "\u{1F}"))
    }

    func save(in jobPath: String) throws {
        try JobFilesystem.write(try JobFilesystem.encoder().encode(self), to: jobPath + "/" + CheckedRow.fileName)
    }

    /// The kept check, if it was made from the same things and its prepared files are intact.
    static func load(from jobPath: String, fingerprint: String) -> PreparedRender? {
        guard let data = FileManager.default.contents(atPath: jobPath + "/" + fileName),
              let kept = try? JobFilesystem.decoder().decode(CheckedRow.self, from: data), kept.fingerprint == fingerprint else { return nil }
        for file in [kept.prepared.prepared.photo, kept.prepared.prepared.audio].compactMap({ $0 }) {
            guard (try? FileHash.sha256(ofFile: file.path)) == file.sha256 else { return nil }
        }
        return kept.prepared
    }
}
