@testable import AvatarPipe
import AvatarHTTP
import Foundation
import Testing
import TestSupport

// MARK: - Configuration

@Suite struct S3HostConfigurationTests {
    let keys = ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]

    @Test func readsTheUsualAWSEnvironment() throws {
        var environment = keys
        let plain = try S3Configuration.fromEnvironment(location: "s3://my-bucket/avatarpipe/jobs/", environment: environment)
        #expect(plain.location.bucket == "my-bucket")
        #expect(plain.location.prefix == "avatarpipe/jobs")
        #expect(plain.region == "us-east-1")
        #expect(plain.endpoint == .aws(region: "us-east-1"))
        #expect(plain.addressing == .virtualHosted)
        #expect(plain.urlLifetime == .seconds(7200))
        #expect(plain.credentials.sessionToken == nil)

        environment["AWS_DEFAULT_REGION"] = "eu-central-1"
        #expect(try S3Configuration.fromEnvironment(location: "s3://my-bucket", environment: environment).region == "eu-central-1")
        environment["AWS_REGION"] = "eu-west-1"
        environment["AWS_SESSION_TOKEN"] = "FwoGZXIvYXdzEXAMPLE"
        environment["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9000"
        let custom = try S3Configuration.fromEnvironment(location: "s3://my.bucket", environment: environment)
        #expect(custom.region == "eu-west-1")
        #expect(custom.credentials.sessionToken == "FwoGZXIvYXdzEXAMPLE")
        #expect(custom.endpoint.description == "http://127.0.0.1:9000")
        #expect(custom.addressing == .path)
        let given = try S3Configuration.fromEnvironment(location: "s3://my-bucket", endpoint: "https://minio.example.com/s3/",
                                                        environment: environment)
        #expect(given.endpoint.description == "https://minio.example.com/s3")
    }

    @Test func namesTheMissingVariable() {
        for missing in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            var environment = keys
            environment[missing] = missing == "AWS_SECRET_ACCESS_KEY" ? "  " : nil
            #expect(throws: S3ConfigurationError.missingVariable(missing)) {
                try S3Configuration.fromEnvironment(location: "s3://my-bucket", environment: environment)
            }
            let text = String(describing: S3ConfigurationError.missingVariable(missing))
            #expect(text.hasPrefix("\(missing) is not set"))
        }
    }

    @Test func parsesLocations() throws {
        #expect(try S3Location(parsing: "s3://bucket-1").prefix == "")
        #expect(try S3Location(parsing: "S3://bucket-1//a/b c//").prefix == "a/b c")
        #expect(try S3Location(parsing: "s3://bucket-1/a").description == "s3://bucket-1/a")
        #expect(try S3Location(parsing: "s3://bucket-1/a").key("x.png") == "a/x.png")
        #expect(try S3Location(parsing: "s3://bucket-1").key("x.png") == "x.png")
        for bad in ["https://bucket-1/a", "s3://", "s3://ab", "s3://Bucket", "s3://bucket_1", "s3://-bucket", "s3://a..b",
                    "s3://192.168.1.1", "s3://bucket-1/a/../b", "s3://bucket-1/./b"] {
            #expect(throws: S3ConfigurationError.self, "\(bad)") { try S3Location(parsing: bad) }
        }
        do {
            _ = try S3Location(parsing: "s3://My_Bucket/x")
        } catch {
            #expect(String(describing: error).contains("s3://My_Bucket/x is not a usable S3 location"))
        }
    }

    @Test func parsesEndpoints() throws {
        #expect(try S3Endpoint(parsing: "http://127.0.0.1:9000").host == "127.0.0.1:9000")
        #expect(try S3Endpoint(parsing: "https://S3.Example.com:443/").host == "s3.example.com")
        #expect(try S3Endpoint(parsing: "http://example.com:80").host == "example.com")
        #expect(try S3Endpoint(parsing: "http://[::1]:9000").host == "[::1]:9000")
        #expect(try S3Endpoint(parsing: "https://example.com/s3/").basePath == "/s3")
        for bad in ["127.0.0.1:9000", "ftp://example.com", "http://", "http://example.com:99999", "http://x.com/?a=1"] {
            #expect(throws: S3ConfigurationError.self, "\(bad)") { try S3Endpoint(parsing: bad) }
        }
        do {
            _ = try S3Endpoint(parsing: "https://user:hunter22@example.com")
            Issue.record("an endpoint with a password was taken")
        } catch {
            #expect(!String(describing: error).contains("hunter22"))
        }
    }

    @Test func choosesAddressingAndChecksLimits() throws {
        let credentials = AWSCredentials(accessKeyID: "A", secretAccessKey: "S")
        let dotted = try S3Configuration(location: S3Location(bucket: "my.bucket"), region: "eu-west-1", credentials: credentials)
        #expect(dotted.addressing == .path)
        #expect(dotted.endpoint.host == "s3.eu-west-1.amazonaws.com")
        for lifetime: Duration in [.zero, .seconds(604_801), .milliseconds(1500)] {
            #expect(throws: S3ConfigurationError.invalidURLLifetime(lifetime)) {
                try S3Configuration(location: S3Location(bucket: "my-bucket"), credentials: credentials, urlLifetime: lifetime)
            }
        }
        #expect(throws: S3ConfigurationError.invalidRegion("EU West")) {
            try S3Configuration(location: S3Location(bucket: "my-bucket"), region: "EU West", credentials: credentials)
        }
    }

    @Test func keepsSecretsOutOfDescriptions() {
        let credentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG",
                                         sessionToken: "FwoGZXIvYXdzEXAMPLE")
        let text = String(describing: credentials)
        #expect(text == "access key ending in MPLE with a session token")
    }

    @Test func choosesAnExtensionThatMatchesTheContent() {
        #expect(S3Host.fileExtension(contentType: "image/png", path: "/in/photo.PNG") == ".png")
        #expect(S3Host.fileExtension(contentType: "image/jpeg", path: "/in/photo.jpeg") == ".jpeg")
        #expect(S3Host.fileExtension(contentType: "image/jpeg", path: "/in/photo.png") == ".jpg")
        #expect(S3Host.fileExtension(contentType: "audio/wav; codecs=1", path: "/in/speech") == ".wav")
        #expect(S3Host.fileExtension(contentType: "audio/mpeg", path: "/in/speech.wav") == ".mp3")
        #expect(S3Host.fileExtension(contentType: "application/octet-stream", path: "/in/blob.bin") == ".bin")
        #expect(S3Host.fileExtension(contentType: "application/octet-stream", path: "/in/blob") == "")
    }

    @Test func advisesWhatToDo() throws {
        let configuration = try S3Configuration(
            location: S3Location(bucket: "my-bucket", prefix: "in"), region: "us-east-1",
            credentials: AWSCredentials(accessKeyID: "ASIAEXAMPLE000000001", secretAccessKey: "S", sessionToken: "T"))
        let advice = S3Advice(configuration: configuration, operation: .upload)
        #expect(advice.advice(code: "ExpiredToken", status: 400, bucketRegion: nil)?
            .hasPrefix("The temporary credentials have expired: get new ones") == true)
        #expect(advice.advice(code: "RequestTimeTooSkewed", status: 403, bucketRegion: nil)?.contains("clock") == true)
        #expect(advice.advice(code: "AuthorizationHeaderMalformed", status: 400, bucketRegion: "eu-west-1")
            == "The bucket is in eu-west-1, not us-east-1: set AWS_REGION=eu-west-1")
        #expect(advice.advice(code: nil, status: 301, bucketRegion: "ap-south-1")
            == "The bucket is in ap-south-1, not us-east-1: set AWS_REGION=ap-south-1")
        #expect(advice.advice(code: "NoSuchBucket", status: 404, bucketRegion: nil)
            == "The bucket \"my-bucket\" does not exist at AWS S3 (us-east-1): check the bucket in s3://my-bucket/in, "
                + "or create it (aws s3 mb s3://my-bucket --region us-east-1)")
        #expect(advice.advice(code: "SlowDown", status: 503, bucketRegion: nil)?.contains("try again") == true)
        #expect(advice.advice(code: "SomethingNew", status: 400, bucketRegion: nil) == nil)

        let error = S3Error(operation: .upload, object: "s3://my-bucket/in/x.png", file: "photo.png", status: 400,
                            code: "ExpiredToken", message: "The provided token has expired.",
                            advice: advice.advice(code: "ExpiredToken", status: 400, bucketRegion: nil))
        #expect(String(describing: error) == "cannot upload photo.png to s3://my-bucket/in/x.png: ExpiredToken, HTTP 400: "
            + "The provided token has expired. The temporary credentials have expired: get new ones and export "
            + "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN again")
    }

    @Test func readsS3ErrorDocuments() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>AuthorizationHeaderMalformed</Code><Message>the region &apos;us-east-1&apos; is wrong; \
            expecting &apos;eu-west-1&apos; &amp; more &#x263A;</Message><Region>eu-west-1</Region>\
            <SignatureProvided>0123abcd</SignatureProvided><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """
        let document = S3ErrorDocument(body: Data(body.utf8))
        #expect(document.code == "AuthorizationHeaderMalformed")
        #expect(document.message == "the region 'us-east-1' is wrong; expecting 'eu-west-1' & more \u{263A}")
        #expect(document.region == "eu-west-1")
        #expect(document.requestID == "4442587FB7D0A2F9")
        #expect(S3ErrorDocument(body: Data("<html>502 Bad Gateway</html>".utf8)).code == nil)
    }
}

// MARK: - Against moto

@Suite struct S3HostTests {
    @Test func hostsFetchesAndRemovesFiles() async throws {
        let server = try await MotoServer.start()
        defer { server.stop() }
        // moto takes any key here; a session token makes sure it stays out of logs too.
        let credentials = AWSCredentials(accessKeyID: "ASIAMOTOEXAMPLE0001", secretAccessKey: "moto-secret/key+EXAMPLE",
                                         sessionToken: "FwoGZXIvYXdzMOTOSESSIONTOKEN//+=")
        let trace = LineLog()
        let signedAt = Date()
        let host = S3Host(configuration: try server.configuration(location: "s3://avatarpipe-test/jobs/run 1",
                                                                   credentials: credentials),
                          client: HTTPClient(trace: trace.hook), now: { signedAt })
        #expect(host.name == "s3://avatarpipe-test/jobs/run 1")
        try await host.createBucket()
        try await host.createBucket()  // already there, and ours: fine

        let scratch = TemporaryDirectory("s3host")
        defer { scratch.remove() }
        let big = scratch.file("big.bin")  // over 1 MiB: libcurl asks "Expect: 100-continue" first
        try Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }).write(to: URL(fileURLWithPath: big))
        let inputs = [(Fixtures.photo, "image/png", ".png"), (Fixtures.speech, "audio/wav", ".wav"),
                      (big, "application/octet-stream", ".bin")]

        var hosted: [HostedFile] = []
        for (path, type, ext) in inputs {
            let file = try await host.host(path, contentType: type)
            hosted.append(file)
            #expect(file.key.hasPrefix("jobs/run 1/") && file.key.hasSuffix(ext), "\(file.key)")
            #expect(file.bytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64))
            #expect(file.contentType == type)
            #expect(file.expiresAt == signedAt.addingTimeInterval(7200))
            #expect(file.url.hasPrefix("\(server.info.endpoint)/avatarpipe-test/jobs/run%201/"))
            #expect(file.url.contains("X-Amz-Expires=7200"))

            // Fetched as the service will: no credentials, just the URL.
            let copy = scratch.file("copy\(ext)")
            let download = try await HTTPClient().download(HTTPRequest(.get, file.url), to: copy)
            #expect(download.response.headers["Content-Type"] == type)
            #expect(try FileHash.sha256(ofFile: copy) == FileHash.sha256(ofFile: path), "\(path)")
        }
        #expect(Set(hosted.map(\.key)).count == hosted.count, "every upload gets a key of its own")

        for file in hosted {
            try await host.remove(file)
            let gone = try await HTTPClient().send(HTTPRequest(.get, file.url))
            #expect(gone.status == 404 || gone.status == 403, "\(gone.status)")
        }
        try await host.remove(hosted[0])  // removed already: nothing to do

        let lines = trace.lines
        #expect(lines.contains { $0.lowercased().contains("x-amz-security-token: redacted") })
        #expect(lines.contains { $0.contains("X-Amz-Signature=REDACTED") })
        for line in lines {
            for secret in credentials.secrets + ["Signature=" + signature(of: hosted[0].url)] {
                #expect(!line.contains(secret), "a trace line shows a secret: \(line)")
            }
        }
    }

    @Test func missingBucketIsAClearError() async throws {
        let server = try await MotoServer.start()
        defer { server.stop() }
        let credentials = AWSCredentials(accessKeyID: "AKIAMOTOEXAMPLE00001", secretAccessKey: "moto-secret-EXAMPLE")
        let host = S3Host(configuration: try server.configuration(location: "s3://no-such-bucket/inputs",
                                                                   credentials: credentials))
        let error = try await s3Error { try await host.host(Fixtures.photo, contentType: "image/png") }
        #expect(error.code == "NoSuchBucket")
        #expect(error.status == 404)
        let text = String(describing: error)
        #expect(text.contains("cannot upload \(Fixtures.photo) to s3://no-such-bucket/inputs/"))
        #expect(text.contains("The bucket \"no-such-bucket\" does not exist at \(server.info.endpoint)"))
        #expect(!text.contains(credentials.secretAccessKey))

        let removal = try await s3Error {
            try await host.remove(HostedFile(url: "", key: "inputs/x.png", contentType: "image/png", bytes: 1))
        }
        #expect(removal.code == "NoSuchBucket")
        let foreign = try await s3Error {
            try await host.remove(HostedFile(url: "", key: "elsewhere/x.png", contentType: "image/png", bytes: 1))
        }
        #expect(String(describing: foreign).contains("not under s3://no-such-bucket/inputs"))
    }

    @Test func unreachableEndpointIsAClearError() async throws {
        let port = Loopback.closedPort()
        let configuration = try S3Configuration(
            location: S3Location(bucket: "my-bucket"), endpoint: S3Endpoint(parsing: "http://127.0.0.1:\(port)"),
            credentials: AWSCredentials(accessKeyID: "AKIAEXAMPLE000000001", secretAccessKey: "secret-EXAMPLE-key"))
        let host = S3Host(configuration: configuration, retry: .never)
        let error = try await s3Error { try await host.host(Fixtures.photo, contentType: "image/png") }
        #expect(error.transport?.kind == .cannotConnect)
        #expect(String(describing: error).contains("Check the endpoint http://127.0.0.1:\(port)"))
    }

    /// moto with IAM checks every signature with botocore, and knows the user and the
    /// assumed-role session the script made.
    @Test func signaturesAreAccepted() async throws {
        let server = try await MotoServer.start(iam: true)
        defer { server.stop() }
        let user = try #require(server.info.user?.credentials)
        let session = try #require(server.info.session?.credentials)
        // moto answers a presigned GET under IAM with a 500: the URL is checked in the test above.
        let owner = S3Host(configuration: try server.configuration(location: "s3://signed-bucket/in", credentials: user,
                                                                    checksURL: false))
        try await owner.createBucket()

        for (credentials, signsPayload) in [(user, true), (user, false), (session, true)] {
            let host = S3Host(configuration: try server.configuration(location: "s3://signed-bucket/in", credentials: credentials,
                                                                       checksURL: false, signsPayload: signsPayload))
            let file = try await host.host(Fixtures.photo, contentType: "image/png")
            try await host.remove(file)
        }

        let abroad = S3Host(configuration: try server.configuration(location: "s3://signed-bucket-eu", credentials: user,
                                                                     region: "eu-west-1", checksURL: false))
        try await abroad.createBucket()
        try await abroad.remove(try await abroad.host(Fixtures.speech, contentType: "audio/wav"))
    }

    @Test func badCredentialsAreClearErrors() async throws {
        let server = try await MotoServer.start(iam: true)
        defer { server.stop() }
        let user = try #require(server.info.user?.credentials)
        let session = try #require(server.info.session?.credentials)
        try await S3Host(configuration: try server.configuration(location: "s3://checked-bucket", credentials: user))
            .createBucket()

        let wrongSecret = AWSCredentials(accessKeyID: user.accessKeyID, secretAccessKey: "wrong-secret-EXAMPLE-0123")
        let unknownKey = AWSCredentials(accessKeyID: "AKIAUNKNOWNEXAMPLE01", secretAccessKey: user.secretAccessKey)
        let wrongToken = AWSCredentials(accessKeyID: session.accessKeyID, secretAccessKey: session.secretAccessKey,
                                        sessionToken: "FwoGZXIvYXdzNOTTHESESSIONSTOKEN")
        let denied = try #require(server.info.denied?.credentials)
        let cases: [(AWSCredentials, String, Int, String)] = [
            (denied, "AccessDenied", 403, "The key in AWS_ACCESS_KEY_ID (\(denied.accessKeyHint)) may not upload in "
                + "s3://checked-bucket/in: it needs s3:PutObject, s3:GetObject and s3:DeleteObject on "
                + "arn:aws:s3:::checked-bucket/in/*"),
            (wrongSecret, "SignatureDoesNotMatch", 403, "AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID"),
            (unknownKey, "InvalidAccessKeyId", 403, "AWS_ACCESS_KEY_ID (ending in LE01) is not a key"),
            (wrongToken, "InvalidToken", 400, "AWS_SESSION_TOKEN is malformed or belongs to another key"),
        ]
        for (credentials, code, status, advice) in cases {
            let host = S3Host(configuration: try server.configuration(location: "s3://checked-bucket/in",
                                                                       credentials: credentials, checksURL: false))
            let error = try await s3Error { try await host.host(Fixtures.photo, contentType: "image/png") }
            #expect(error.code == code)
            #expect(error.status == status)
            let text = String(describing: error)
            #expect(text.contains(advice), "\(text)")
            for secret in credentials.secrets + user.secrets + session.secrets + denied.secrets {
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }

    @Test func presignedURLsKeepTheirSecretsFromLogs() throws {
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLESESSION01", secretAccessKey: "secret/EXAMPLE+key",
                                         sessionToken: "FwoGZXIvYXdzEXAMPLE//token+with/slashes==")
        let host = S3Host(configuration: try S3Configuration(location: S3Location(bucket: "my-bucket", prefix: "in"),
                                                             credentials: credentials))
        let url = host.presignedURL(forKey: "in/x.png", at: Date(timeIntervalSince1970: 1_705_311_000))
        let shown = Redactor().url(url)
        #expect(shown.hasPrefix("https://my-bucket.s3.us-east-1.amazonaws.com/in/x.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
        for part in ["X-Amz-Credential=", "X-Amz-Security-Token=", "X-Amz-Signature="] {
            #expect(shown.contains(part + "REDACTED"))
        }
        #expect(!shown.contains(signature(of: url)))
        #expect(!shown.contains("FwoGZXIvYXdz"))
        #expect(!shown.contains(credentials.accessKeyID))
    }

    private func signature(of url: String) -> String {
        url.components(separatedBy: "X-Amz-Signature=").last ?? url
    }

    private func s3Error(_ operation: () async throws -> some Any) async throws -> S3Error {
        do {
            _ = try await operation()
        } catch let error as S3Error {
            return error
        }
        throw TestFailure(description: "no S3Error was thrown")
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Collects trace lines from any thread.
private final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    var lines: [String] { lock.withLock { recorded } }

    var hook: @Sendable (String) -> Void {
        { [self] line in lock.withLock { recorded.append(line) } }
    }
}

extension MotoServer.Keys {
    var credentials: AWSCredentials {
        AWSCredentials(accessKeyID: access_key_id, secretAccessKey: secret_access_key, sessionToken: session_token)
    }
}

extension MotoServer {
    func configuration(location: String, credentials: AWSCredentials, region: String = "us-east-1",
                       checksURL: Bool = true, signsPayload: Bool = true) throws -> S3Configuration {
        let location = try S3Location(parsing: location)
        return try S3Configuration(location: location, endpoint: S3Endpoint(parsing: info.endpoint), region: region,
                                   credentials: credentials, signsPayload: signsPayload, checksURL: checksURL)
    }
}
