import AvatarMedia
import AvatarPipe
import Foundation

/// The files `check --fix` leaves in the job directory besides input/.
enum JobFiles {
    static func writePreflight(_ result: Preflight.Result, directory: String) throws {
        let json = try ReportJSON.encode(result.report)
        let path = (directory as NSString).appendingPathComponent("preflight.json")
        try AtomicFile.write(to: path) { try Data((json + "\n").utf8).write(to: URL(fileURLWithPath: $0)) }
        if let image = result.image {
            try PreflightPicture.write(image, report: result.report, to: (directory as NSString).appendingPathComponent("preflight.png"))
        }
    }
}
