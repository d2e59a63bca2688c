import ArgumentParser
import AvatarMedia
import AvatarPipe
import Foundation

struct FacesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces",
        abstract: "Find the faces in a photo (free, offline).",
        discussion: """
        Uses OpenCV's trained Haar cascades (from AVATARPIPE_CASCADES, default \
        \(FaceFinder.defaultCascadeDirectory)): the frontal one, and when it finds nothing the \
        profile one, so that a face in profile is told apart from no face. Prints one line \
        per face, largest first; --json prints one JSON object. Exit code 0, or 2 when the \
        photo or a cascade cannot be read.
        """
    )

    @Argument(help: "The photo.")
    var photo: String

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @Option(help: ArgumentHelp("Detect with this cascade file alone (its boxes are reported as frontal).", valueName: "PATH"))
    var cascade: String?

    @Option(help: "How much the search window grows from one scale to the next (above 1).")
    var scaleFactor = 1.1

    @Option(help: "Hits a face needs around it to be reported (0 reports every raw hit).")
    var minNeighbors = 3

    @Option(help: ArgumentHelp("The smallest face to look for, in photo pixels.", valueName: "N"))
    var minSize = 0

    @Option(help: ArgumentHelp("Long side of the copy the detector works on (0 = full size).", valueName: "N"))
    var maxWorkingSize = 1024

    func validate() throws {
        guard scaleFactor > 1, scaleFactor <= 4 else { throw ValidationError("--scale-factor must be above 1 and at most 4") }
        guard minNeighbors >= 0 else { throw ValidationError("--min-neighbors must be 0 or more") }
        guard minSize >= 0 else { throw ValidationError("--min-size must be 0 or more") }
        guard maxWorkingSize == 0 || maxWorkingSize >= 24 else {
            throw ValidationError("--max-working-size must be 0 (full size) or at least 24")
        }
    }

    mutating func run() async throws {
        let image: RGBAImage
        do {
            image = try await Offload.run { [photo] in try ImageDecoder.decode(photo).image }
        } catch {
            throw UsageError("\(error)")
        }
        let finder = FaceFinder(configuration: finderConfiguration())
        if let error = finder.cascadeError {
            let hint = error.kind == .notFound && cascade == nil
                ? " (set AVATARPIPE_CASCADES to a directory of OpenCV's cascades, or install opencv-data)" : ""
            throw UsageError(error.description + hint)
        }
        let search = await finder.find(in: image)
        if let error = search.profileCascadeError {
            Terminal.log("avatarpipe: warning: \(error.description); profile faces are not looked for")
        }
        if json {
            Terminal.out(try ReportJSON.encode(FacesReport(search)))
        } else {
            printText(search)
        }
    }

    private func finderConfiguration() -> FaceFinder.Configuration {
        var configuration = cascade.map { FaceFinder.Configuration(cascadePath: $0) } ?? FaceFinder.Configuration()
        configuration.scaleFactor = scaleFactor
        configuration.minNeighbors = minNeighbors
        configuration.minFaceSize = minSize
        configuration.maxWorkingSize = maxWorkingSize
        return configuration
    }

    private func printText(_ search: FaceSearch) {
        for (i, face) in search.faces.enumerated() {
            let r = face.rect
            let kind = face.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
            let box = String(format: "x %.0f  y %.0f  %.0f×%.0f", r.x, r.y, r.width, r.height)
            Terminal.out("face \(i + 1)  \(kind)  \(box)  (\(face.neighbors) hits)")
        }
        let count = search.faces.isEmpty ? "no face" : "\(search.faces.count) face\(search.faces.count == 1 ? "" : "s")"
        let size = "\(search.workingSize.width)×\(search.workingSize.height)"
        let line = "\(count) found on a \(size) working copy in " + String(format: "%.2f s", search.seconds)
        Terminal.log(Terminal.paint(line, .dim, tty: Terminal.stderrIsTTY))
    }
}

/// `faces --json`: the boxes in photo pixels, the working size and the detection time.
struct FacesReport: Encodable {
    struct Face: Encodable {
        var x, y, width, height: Double
        var neighbors: Int
        var kind: FaceKind
    }

    var faces: [Face]
    var workingSize: PixelSize
    var seconds: Double

    init(_ search: FaceSearch) {
        faces = search.faces.map {
            Face(x: $0.rect.x, y: $0.rect.y, width: $0.rect.width, height: $0.rect.height, neighbors: $0.neighbors, kind: $0.kind)
        }
        workingSize = search.workingSize
        seconds = search.seconds
    }
}
