import ArgumentParser
import AvatarPipe

struct CreditsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "credits", abstract: "Show the account's balance.")

    @OptionGroup var service: ServiceOptions

    @Flag(help: "Print {\"credits\": N} as JSON.")
    var json = false

    mutating func run() async throws {
        let client = SegmindClient(endpoint: try service.endpoint(), http: service.http())
        do {
            let credits = try await client.credits()
            Terminal.out(json ? "{\"credits\": \(credits)}" : String(format: "%.2f credits (about %d renders at $%.3f)", credits,
                                                                      Int(credits / ServiceLimits.defaultPricePerCallUSD),
                                                                      ServiceLimits.defaultPricePerCallUSD))
        } catch let error as RenderError {
            Terminal.error(error.description)
            throw ExitCode(error.exitCode)
        }
    }
}
