import Foundation
import Testing
import TestSupport

/// `avatarpipe faces` end to end: the built binary on real photos, its JSON, exit codes.
@Suite struct FacesCommandTests {
    static let alt2 = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"

    @Test func printsOneLinePerFace() {
        let result = CLI.run(["faces", Fixtures.generated("two-people.png")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("face ") && $0.contains("frontal") })
        #expect(result.stderr.contains("2 faces found on a 1024×512 working copy"))
    }

    @Test func noFaceIsNotAnError() {
        let result = CLI.run(["faces", Fixtures.committed("coffee.png")])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("no face found"))
    }

    @Test func jsonHasBoxesWorkingSizeAndTime() throws {
        let result = CLI.run(["faces", Fixtures.photo, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(CLI.json(result.stdout))
        let faces = try #require(object["faces"] as? [[String: Any]])
        #expect(faces.count == 1)
        let face = try #require(faces.first)
        #expect(face["x"] as? Double == 177 && face["y"] as? Double == 66)
        #expect(face["width"] as? Double == 97 && face["height"] as? Double == 97)
        #expect(face["neighbors"] as? Int == 36)
        #expect(face["kind"] as? String == "frontal")
        let working = try #require(object["working_size"] as? [String: Any])
        #expect(working["width"] as? Int == 512 && working["height"] as? Int == 512)
        #expect((object["seconds"] as? Double ?? -1) >= 0)
    }

    @Test func boxesAreInPhotoPixelsWhateverTheWorkingSize() throws {
        let photo = Fixtures.generated("photo-1024.png")
        let reduced = try #require(CLI.json(CLI.run(["faces", photo, "--json", "--max-working-size", "512"]).stdout))
        let full = try #require(CLI.json(CLI.run(["faces", photo, "--json", "--max-working-size", "0"]).stdout))
        #expect((reduced["working_size"] as? [String: Any])?["width"] as? Int == 512)
        #expect((full["working_size"] as? [String: Any])?["width"] as? Int == 1024)
        let a = try #require((reduced["faces"] as? [[String: Any]])?.first)
        let b = try #require((full["faces"] as? [[String: Any]])?.first)
        for key in ["x", "y", "width"] {
            let (u, v) = (a[key] as? Double ?? 0, b[key] as? Double ?? 0)
            #expect(abs(u - v) < 12, "\(key): \(u) at 512 px, \(v) at full size")
        }
    }

    @Test func optionsReachTheDetector() throws {
        let all = try #require(CLI.json(CLI.run(["faces", Fixtures.photo, "--json", "--min-neighbors", "0",
                                                 "--cascade", Self.alt2, "--max-working-size", "0"]).stdout))
        // Every raw hit of OpenCV's detectMultiScale2(gray, 1.1, 0) on this photo.
        #expect((all["faces"] as? [Any])?.count == 43)
        let big = try #require(CLI.json(CLI.run(["faces", Fixtures.photo, "--json", "--min-size", "150"]).stdout))
        #expect((big["faces"] as? [Any])?.isEmpty == true)
        let coarse = CLI.run(["faces", Fixtures.photo, "--scale-factor", "1.3"])
        #expect(coarse.status == 0)
        #expect(coarse.stdout.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        (["/nonexistent/me.png"], "/nonexistent/me.png"),
        (["text.png"], "text.png"),
        (["empty.png"], "empty.png"),
        (["<photo>", "--scale-factor", "1"], "--scale-factor"),
        (["<photo>", "--min-neighbors", "-1"], "--min-neighbors"),
        (["<photo>", "--max-working-size", "10"], "--max-working-size"),
        (["<photo>", "--cascade", "/nonexistent/cascade.xml"], "/nonexistent/cascade.xml"),
    ])
    func unreadableInputOrBadUsage(arguments: [String], named: String) {
        let resolved = arguments.map { argument -> String in
            if argument == "<photo>" { return Fixtures.photo }
            if argument.hasPrefix("-") || argument.hasPrefix("/") || Double(argument) != nil { return argument }
            return Fixtures.generated(argument)
        }
        let result = CLI.run(["faces"] + resolved)
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func damagedCascadeIsNamed() throws {
        let directory = TemporaryDirectory("faces-cli")
        defer { directory.remove() }
        let cascade = directory.file("haarcascade_frontalface_alt2.xml")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.alt2))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cascade))

        let direct = CLI.run(["faces", Fixtures.photo, "--cascade", cascade])
        #expect(direct.status == 2)
        #expect(direct.stderr.contains(cascade) && direct.stderr.contains("truncated"), "\(direct.stderr)")

        let viaEnvironment = CLI.run(["faces", Fixtures.photo], environment: ["AVATARPIPE_CASCADES": directory.path])
        #expect(viaEnvironment.status == 2)
        #expect(viaEnvironment.stderr.contains(cascade), "\(viaEnvironment.stderr)")
    }

    @Test func missingCascadeDirectorySaysWhereToLook() {
        let result = CLI.run(["faces", Fixtures.photo], environment: ["AVATARPIPE_CASCADES": "/nonexistent/cascades"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/cascades/haarcascade_frontalface_alt2.xml"))
        #expect(result.stderr.contains("AVATARPIPE_CASCADES"), "\(result.stderr)")
    }
}
