@testable import AvatarPipe
import AvatarHTTP
import Foundation
import Testing
import TestSupport

@Suite struct SigV4Tests {
    // MARK: - The pieces

    @Test func encodesWithAWSsUnreservedSet() {
        #expect(SigV4Encoding.encode("AZaz09-_.~") == "AZaz09-_.~")
        #expect(SigV4Encoding.encode("a b+c=d&e/f") == "a%20b%2Bc%3Dd%26e%2Ff")
        #expect(SigV4Encoding.encode("a b/c d", keepingSlashes: true) == "a%20b/c%20d")
        #expect(SigV4Encoding.encode("ü😀") == "%C3%BC%F0%9F%98%80")
        #expect(SigV4Encoding.encode("!*'()%") == "%21%2A%27%28%29%25")
    }

    @Test func timestampsAreUTCWholeSeconds() {
        #expect(SigV4Encoding.timestamp(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4Encoding.timestamp(Date(timeIntervalSince1970: 1_704_067_199.75)) == "20231231T235959Z")
    }

    /// AWS's documented example of a derived signing key.
    @Test func derivesTheSigningKeyAsAWSDocumentsIt() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE",
                                                             secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                 region: "us-east-1", service: "iam")
        let key = signer.signingKey(day: "20120215").withUnsafeBytes { SigV4Encoding.hex(Array($0)) }
        #expect(key == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    /// The presigned URL of S3's documentation ("Authenticating Requests: Using Query Parameters").
    @Test func presignsS3sDocumentedExample() throws {
        let configuration = try S3Configuration(
            location: S3Location(bucket: "examplebucket"), endpoint: S3Endpoint(parsing: "https://s3.amazonaws.com"),
            credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            urlLifetime: .seconds(86400), addressing: .virtualHosted)
        let url = S3Host(configuration: configuration).presignedURL(forKey: "test.txt", at: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
            + "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func canonicalHeadersAreSortedTrimmedAndJoined() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "S"), region: "us-east-1")
        let request = SigV4Request(method: "put", scheme: "https", host: "Bucket.S3.amazonaws.com", path: "/a%20b",
                                   query: [.init("b", "2"), .init("a", "x y"), .init("a", "1")],
                                   headers: [.init("X-Amz-Meta-B", "  two   spaces\tand\t tabs "), .init("x-amz-meta-a", "1"),
                                             .init("X-AMZ-META-A", "2")])
        let canonical = signer.canonicalRequest(request, query: request.query, headers: request.headers, payloadHash: "H")
        #expect(canonical.text == """
            PUT
            /a%20b
            a=1&a=x%20y&b=2
            host:bucket.s3.amazonaws.com
            x-amz-meta-a:1,2
            x-amz-meta-b:two spaces and tabs

            host;x-amz-meta-a;x-amz-meta-b
            H
            """)
    }

    // MARK: - Against botocore

    @Test(arguments: [(date: Date(timeIntervalSince1970: 1_705_311_000), stamp: "20240115T093000Z"),
                      (date: Date(timeIntervalSince1970: 1_704_067_199.75), stamp: "20231231T235959Z")])
    func matchesBotocore(at time: (date: Date, stamp: String)) throws {
        var cases = ReferenceCase.all
        for index in cases.indices where cases[index].wire.op == "create-bucket" {
            cases[index].wire.body = String(decoding: try cases[index].host(at: time.date).createBucketBody, as: UTF8.self)
        }
        let references = try Botocore.sign(cases.map(\.wire), at: time.stamp)
        try #require(references.count == cases.count)
        for (testCase, reference) in zip(cases, references) {
            let host = try testCase.host(at: time.date)
            switch testCase.wire.op {
            case "presign":
                let url = host.presignedURL(forKey: testCase.wire.key ?? "", at: time.date)
                if testCase.urlNormalized {
                    // botocore keeps the endpoint as written (upper case, :443); the signature is the same.
                    #expect(signature(of: url) == signature(of: reference.url), "\(testCase)")
                } else {
                    #expect(url == reference.url, "\(testCase)")
                }
            default:
                let request = testCase.signedRequest(host)
                #expect(request.url == reference.url, "\(testCase)")
                for name in ["X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token", "Authorization"] {
                    #expect(request.headers[name] == reference.headers?[name], "\(name) of \(testCase)")
                }
            }
        }
    }

    private func signature(of url: String) -> Substring? {
        url.split(separator: "&").first { $0.hasPrefix("X-Amz-Signature=") }
    }
}

// MARK: - The cases

/// One request for both signers; `wire` is what the reference script reads.
private struct ReferenceCase: CustomStringConvertible {
    struct Wire: Codable {
        var op: String
        var bucket: String
        var key: String?
        var region: String
        var endpoint: String?
        var addressing: String
        var access_key: String
        var secret_key: String
        var session_token: String?
        var expires: Int?
        var body: String?
        var unsigned: Bool?
        var headers: [String: String]?
    }

    var wire: Wire
    /// A custom endpoint botocore writes differently in the URL (case, default port).
    var urlNormalized = false

    static let plain = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let session = AWSCredentials(accessKeyID: "ASIAEXAMPLESESSION01", secretAccessKey: "session/secret+key=EXAMPLE",
                                        sessionToken: "FwoGZXIvYXdzEXAMPLE//token+with/slashes==")

    static let keys = [
        "photo.png", "a b/c d.png", "ünïcødé/фото.jpg", "plus+equals=sign.wav", "deep/nested/prefix/x/y/z.mp3",
        "tilde~star*quote'(paren)!.png", "emoji 😀.png", "percent%20literal.png", "q?a#b&c;d:e@f$g,h.png",
        "a//double-slash.png",
    ]

    /// (bucket, endpoint, addressing): AWS virtual-hosted, AWS with a dotted bucket (path
    /// style, for TLS), AWS path style, moto-like, a store under a base path, a custom
    /// virtual-hosted endpoint.
    static let locations: [(String, String?, String)] = [
        ("my-bucket", nil, "virtual"), ("my.dotted.bucket", nil, "virtual"), ("path-bucket", nil, "path"),
        ("avatarpipe-test", "http://127.0.0.1:9000", "path"), ("media", "https://minio.example.com/s3", "path"),
        ("media-01", "https://storage.example.com", "virtual"),
    ]
    static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    static let lifetimes = [7200, 1, 604_800, 3600]

    static var all: [ReferenceCase] {
        var cases: [ReferenceCase] = []
        var index = 0
        func add(_ op: String, location: (String, String?, String), key: String?, body: String? = nil,
                 unsigned: Bool? = nil, headers: [String: String]? = nil) {
            let credentials = index % 2 == 0 ? plain : session
            cases.append(ReferenceCase(wire: Wire(
                op: op, bucket: location.0, key: key, region: regions[index % regions.count], endpoint: location.1,
                addressing: location.2, access_key: credentials.accessKeyID, secret_key: credentials.secretAccessKey,
                session_token: credentials.sessionToken, expires: lifetimes[index % lifetimes.count], body: body,
                unsigned: unsigned, headers: headers)))
            index += 1
        }
        for key in keys {
            for location in locations { add("presign", location: location, key: key) }
        }
        for (number, location) in locations.enumerated() {
            let key = keys[number % keys.count]
            add("put", location: location, key: key, body: "the bytes of \(key)\n", headers: ["Content-Type": "image/png"])
            add("put", location: location, key: keys[(number + 3) % keys.count], unsigned: true,
                headers: ["Content-Type": "audio/mpeg"])
            add("delete", location: location, key: keys[(number + 5) % keys.count])
            add("create-bucket", location: location, key: nil)
            add("create-bucket", location: location, key: nil)
        }
        add("put", location: locations[0], key: "meta.png", body: "x",
            headers: ["Content-Type": "image/png", "X-Amz-Meta-Caption": "  two   spaces  "])
        var upper = ReferenceCase(wire: cases[0].wire)
        upper.wire.endpoint = "https://MinIO.Example.com:443/s3/"
        upper.wire.addressing = "path"
        upper.urlNormalized = true
        cases.append(upper)
        return cases
    }

    func host(at date: Date) throws -> S3Host {
        let credentials = AWSCredentials(accessKeyID: wire.access_key, secretAccessKey: wire.secret_key,
                                         sessionToken: wire.session_token)
        let endpoint = try wire.endpoint.map(S3Endpoint.init(parsing:))
        // On AWS, "virtual" is the default, which falls back to path style for dotted buckets, as botocore does.
        let addressing: S3Endpoint.Addressing? = wire.addressing == "path" ? .path : (endpoint == nil ? nil : .virtualHosted)
        let configuration = try S3Configuration(location: S3Location(bucket: wire.bucket), endpoint: endpoint,
                                                region: wire.region, credentials: credentials,
                                                urlLifetime: .seconds(wire.expires ?? 3600), addressing: addressing)
        return S3Host(configuration: configuration, now: { date })
    }

    /// The request as S3Host signs it. The create-bucket body is S3Host's own; the test
    /// hands botocore the same.
    func signedRequest(_ host: S3Host) -> HTTPRequest {
        let headers = (wire.headers ?? [:]).sorted { $0.key < $1.key }.map { SigV4Request.Header($0.key, $0.value) }
        switch wire.op {
        case "put":
            let hash = wire.unsigned == true ? SigV4Signer.unsignedPayload : SigV4Encoding.sha256(Data((wire.body ?? "").utf8))
            return host.signed(host.request("PUT", key: wire.key, headers: headers), payloadHash: hash, body: .none)
        case "delete":
            return host.signed(host.request("DELETE", key: wire.key), payloadHash: SigV4Signer.emptyPayloadHash, body: .none)
        default:
            return host.signed(host.request("PUT", key: nil), payloadHash: SigV4Encoding.sha256(host.createBucketBody),
                               body: .none)
        }
    }

    var description: String {
        "\(wire.op) \(wire.key ?? "(bucket)") in \(wire.bucket) at \(wire.endpoint ?? "AWS") (\(wire.addressing), "
            + "\(wire.region)\(wire.session_token == nil ? "" : ", session token"))"
    }
}

/// scripts/sigv4-reference.py: botocore's signatures for the same requests at a frozen time.
private enum Botocore {
    struct Result: Decodable {
        var url: String
        var headers: [String: String]?
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func sign(_ cases: [ReferenceCase.Wire], at timestamp: String) throws -> [Result] {
        let script = Fixtures.root.appendingPathComponent("scripts/sigv4-reference.py").path
        let json = String(decoding: try JSONEncoder().encode(cases), as: UTF8.self)
        let result = Shell.run(Shell.which("python3") ?? "/usr/bin/python3", [script, "--time", timestamp, "--cases", json])
        guard result.status == 0 else {
            throw Failure(description: "sigv4-reference.py failed (\(result.status)); run scripts/setup.sh for botocore: "
                + result.stderr)
        }
        return try JSONDecoder().decode([Result].self, from: Data(result.stdout.utf8))
    }
}
