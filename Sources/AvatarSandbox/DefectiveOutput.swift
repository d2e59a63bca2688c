import Foundation

/// Defective stand-ins for a job's video, made on demand by the `bad_outputs` fault: what a
/// service that misbehaves might hand over.
enum DefectiveOutput {
    static func make(_ kind: SandboxControl.BadOutputs.Kind, from job: SandboxState.Job, directory: String) throws -> String {
        let target = (directory as NSString).appendingPathComponent("defective-\(kind.rawValue).mp4")
        switch kind {
        case .png:
            // The job's own photo (a PNG or JPEG), served as if it were the video.
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: job.imagePath, toPath: target)
        case .truncated:
            guard let path = job.outputPath, let whole = FileManager.default.contents(atPath: path) else {
                throw SandboxError(message: "job \(job.id) has no video to cut")
            }
            try whole.prefix(whole.count * 6 / 10).write(to: URL(fileURLWithPath: target))
        }
        return target
    }
}
