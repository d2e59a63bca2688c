import ArgumentParser
import AvatarHTTP
import AvatarPipe
import Foundation

/// Where the service is and how to reach it.
struct ServiceOptions: ParsableArguments {
    @Option(name: .customLong("api-base"), help: ArgumentHelp("The API base URL (default https://api.segmind.com, or AVATARPIPE_API_BASE).", valueName: "URL"))
    var apiBase: String?

    @Option(name: .customLong("storage-base"), help: ArgumentHelp("The storage base URL for upload-asset (default: the API base when it is overridden, else https://workflows-api.segmind.com).", valueName: "URL"))
    var storageBase: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("A file holding the API key (default: SEGMIND_API_KEY, or ~/.config/avatarpipe/api-key).", valueName: "PATH"))
    var keyFile: String?

    @Option(help: ArgumentHelp("Where the inputs are put for the service to fetch: segmind (its storage, default) or s3://bucket/prefix (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, region from AWS_REGION).", valueName: "segmind|s3://BUCKET/PREFIX"))
    var host: String = "segmind"

    @Option(name: .customLong("s3-endpoint"), help: ArgumentHelp("An S3-compatible endpoint (default AWS, or AWS_ENDPOINT_URL_S3).", valueName: "URL"))
    var s3Endpoint: String?

    @Option(name: .customLong("s3-url-lifetime"), help: ArgumentHelp("How long the presigned URLs work, in minutes.", valueName: "MIN"))
    var s3URLLifetime: Int = 120

    @Flag(help: "Log HTTP requests and answers (secrets redacted) and FFmpeg's warnings to stderr.")
    var verbose = false

    func endpoint() throws -> ServiceEndpoint {
        do {
            return try ServiceEndpoint.resolve(apiBase: apiBase, storageBase: storageBase, keyFile: keyFile)
        } catch let missing as ServiceEndpoint.Missing {
            throw UsageError(missing.description)
        }
    }

    /// The chosen `TempHost`; Segmind's storage talks to `endpoint`.
    func tempHost(endpoint: ServiceEndpoint, http: HTTPClient) throws -> TempHost {
        if host == "segmind" { return SegmindHost(endpoint: endpoint, http: http) }
        guard host.hasPrefix("s3://") else { throw UsageError("--host \(host): give segmind or s3://bucket/prefix") }
        guard (1...(7 * 24 * 60)).contains(s3URLLifetime) else { throw UsageError("--s3-url-lifetime takes 1 to 10080 minutes") }
        do {
            let configuration = try S3Configuration.fromEnvironment(location: host, endpoint: s3Endpoint,
                                                                    urlLifetime: .seconds(s3URLLifetime * 60))
            return S3Host(configuration: configuration, client: http)
        } catch {
            throw UsageError("--host \(host): \(error)")
        }
    }

    func http() -> HTTPClient {
        guard verbose else { return HTTPClient() }
        let trace: @Sendable (String) -> Void = { Terminal.log("http: " + $0) }
        return HTTPClient(trace: trace)
    }
}
