// swift-tools-version:6.0
import PackageDescription

// The media and detection loops are per-pixel and per-sample: without optimisation the test
// suite spends minutes in them. Our own hot targets are optimised in debug builds too.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "avatarpipe",
    products: [
        .executable(name: "avatarpipe", targets: ["avatarpipe"]),
        .library(name: "AvatarPipe", targets: ["AvatarPipe"]),
        .library(name: "AvatarMedia", targets: ["AvatarMedia"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own dependencies, which the sandbox uses directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The ledger of claims, submissions and renders: SQLite through GRDB (system libsqlite3).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Batch plans.
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // The ledger shared by many machines.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System libraries, found with pkg-config; the shim headers hold what Swift cannot import.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libavutil libswscale libswresample libavfilter",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev",
                              "libswscale-dev", "libswresample-dev", "libavfilter-dev"])]
        ),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CEspeak", pkgConfig: "espeak-ng", providers: [.apt(["libespeak-ng-dev"])]),

        .target(name: "AvatarMedia", dependencies: ["CFFmpeg", "CPNG"], swiftSettings: optimised),
        .target(name: "AvatarHTTP", dependencies: ["CCurl"]),
        .target(name: "AvatarPipe", dependencies: ["AvatarMedia", "AvatarHTTP", "CEspeak", .product(name: "Crypto", package: "swift-crypto"),
                                                  .product(name: "GRDB", package: "GRDB.swift"), .product(name: "SwiftCSV", package: "SwiftCSV"),
                                                  .product(name: "PostgresNIO", package: "postgres-nio"),
                                                  .product(name: "Logging", package: "swift-log")],
                swiftSettings: optimised),
        .target(name: "AvatarSandbox", dependencies: [
            "AvatarPipe", "AvatarMedia", "AvatarHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Benchmarks (built by scripts/bench-*.sh in release mode).
        .executableTarget(name: "ledger-bench", dependencies: ["AvatarPipe", .product(name: "GRDB", package: "GRDB.swift")],
                          path: "Benchmarks/LedgerBench"),
        .executableTarget(
            name: "avatarpipe",
            dependencies: ["AvatarPipe", "AvatarSandbox", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Test helpers live in their own target, never in production code.
        .target(name: "TestSupport", dependencies: ["AvatarHTTP"], path: "Tests/TestSupport"),
        .testTarget(name: "CModuleTests", dependencies: ["CFFmpeg", "CCurl", "CPNG"]),
        .testTarget(name: "AvatarMediaTests", dependencies: ["AvatarMedia", "TestSupport"]),
        .testTarget(name: "AvatarHTTPTests", dependencies: ["AvatarHTTP", "TestSupport"]),
        .testTarget(name: "AvatarPipeTests", dependencies: ["AvatarPipe", "AvatarHTTP", "TestSupport"]),
        .testTarget(name: "RenderTests", dependencies: ["AvatarPipe", "AvatarSandbox", "AvatarHTTP", "TestSupport"]),
        .testTarget(name: "AvatarSandboxTests", dependencies: ["AvatarSandbox", "AvatarHTTP", "TestSupport",
                                                               .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "avatarpipeTests", dependencies: ["avatarpipe", "AvatarHTTP", "TestSupport"]),
    ]
)
