import Foundation

/// Everything `S3Host` needs: where to put files, how to reach S3, whose key to sign with,
/// and how long the URLs it hands out work.
public struct S3Configuration: Sendable {
    public static let defaultRegion = "us-east-1"
    /// Long enough for a render that waits in the service's queue before it fetches its inputs.
    public static let defaultURLLifetime: Duration = .seconds(2 * 60 * 60)

    public var location: S3Location
    public var endpoint: S3Endpoint
    public var region: String
    public var credentials: AWSCredentials
    /// How long a presigned URL works, whole seconds from 1 s to 7 days. With temporary
    /// credentials a URL also stops working when the session token expires.
    public var urlLifetime: Duration
    public var addressing: S3Endpoint.Addressing
    /// Sign the upload's SHA-256 (S3 then refuses a body that changed on the way), or send
    /// `UNSIGNED-PAYLOAD` and skip reading the file twice.
    public var signsPayload: Bool
    /// After an upload, fetch its first byte through the presigned URL, as the service will,
    /// so that a URL that does not work is found before a render is paid for.
    public var checksURL: Bool

    /// `endpoint` nil means AWS's endpoint for the region; `addressing` nil means
    /// virtual-hosted on AWS (path style for bucket names with dots) and path style elsewhere.
    public init(location: S3Location, endpoint: S3Endpoint? = nil, region: String = S3Configuration.defaultRegion,
                credentials: AWSCredentials, urlLifetime: Duration = S3Configuration.defaultURLLifetime,
                addressing: S3Endpoint.Addressing? = nil, signsPayload: Bool = true, checksURL: Bool = true) throws {
        try S3Configuration.validate(region: region)
        try S3Configuration.validate(urlLifetime: urlLifetime)
        let endpoint = endpoint ?? .aws(region: region)
        self.location = location
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.urlLifetime = urlLifetime
        self.addressing = addressing ?? endpoint.defaultAddressing(for: location)
        self.signsPayload = signsPayload
        self.checksURL = checksURL
    }

    /// The configuration a user gives: `s3://bucket/prefix` and `--s3-endpoint` from the
    /// command line, the rest from the environment the AWS CLI reads:
    /// - endpoint, when not given: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else AWS;
    /// - region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1;
    /// - credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    public static func fromEnvironment(location: String, endpoint: String? = nil,
                                       urlLifetime: Duration = S3Configuration.defaultURLLifetime,
                                       environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> S3Configuration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        let location = try S3Location(parsing: location)
        let endpointText = endpoint ?? value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL")
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? defaultRegion
        return try S3Configuration(location: location, endpoint: try endpointText.map(S3Endpoint.init(parsing:)),
                                   region: region, credentials: try AWSCredentials.fromEnvironment(environment),
                                   urlLifetime: urlLifetime)
    }

    var lifetimeSeconds: Int {
        Int(urlLifetime.components.seconds)
    }

    static func validate(region: String) throws {
        guard !region.isEmpty, region.count <= 64,
              region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else { throw S3ConfigurationError.invalidRegion(region) }
    }

    static func validate(urlLifetime: Duration) throws {
        let (seconds, attoseconds) = urlLifetime.components
        guard attoseconds == 0, (1...Int64(SigV4Signer.maxPresignedLifetime)).contains(seconds) else {
            throw S3ConfigurationError.invalidURLLifetime(urlLifetime)
        }
    }
}
