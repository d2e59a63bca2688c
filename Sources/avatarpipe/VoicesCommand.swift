import ArgumentParser
import AvatarPipe

struct VoicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voices",
        abstract: "List the voices the API card names, for --voice."
    )

    @Flag(help: "Print the list as JSON.")
    var json = false

    mutating func run() async throws {
        if json {
            Terminal.out(try ReportJSON.encode(VoiceCatalog.voices))
            return
        }
        let width = VoiceCatalog.voices.map(\.name.count).max() ?? 0
        for voice in VoiceCatalog.voices {
            let name = voice.name.padding(toLength: width, withPad: " ", startingAt: 0)
            Terminal.out("\(name)  \(voice.id)  \(voice.gender ?? "")")
        }
        Terminal.log("The card lists 61 voices and names these \(VoiceCatalog.voices.count); any other 32-hex-digit id is passed through.")
    }
}
