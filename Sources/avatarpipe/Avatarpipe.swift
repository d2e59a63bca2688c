import ArgumentParser
import AvatarPipe
import Foundation

struct Avatarpipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avatarpipe",
        abstract: "Turn a portrait photo plus speech into a web-ready talking-avatar video.",
        discussion: """
        The render runs on HeyGen Avatar IV (Segmind's serverless API, about $2.2 a call); \
        everything before and after it runs locally. Start with `avatarpipe check`: it is free.

        Exit codes: 0 done or ready; 1 failed; 2 usage or unreadable input; 3 preflight \
        blocked (the render would fail or waste money); 4 render submitted but not yet \
        downloaded (run `avatarpipe resume DIR`, do not submit again).
        """,
        version: "0.1.0",
        subcommands: [CheckCommand.self, PreviewCommand.self, RunCommand.self, ResumeCommand.self, PostCommand.self, BatchCommand.self, LedgerCommand.self, CreditsCommand.self, VoicesCommand.self, FacesCommand.self, CaptionsCommand.self, SandboxCommand.self]
    )
}

/// A problem with the command line or an argument that names something unreadable: exit 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@main
enum Main {
    static func main() async {
        do {
            var command = try Avatarpipe.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as UsageError {
            Terminal.error(error.description)
            exit(2)
        } catch {
            // ArgumentParser's usage errors exit with EX_USAGE (64); avatarpipe promises 2.
            if Avatarpipe.exitCode(for: error).rawValue == 64 {
                Terminal.error(Avatarpipe.fullMessage(for: error))
                exit(2)
            }
            Avatarpipe.exit(withError: error)
        }
    }
}
