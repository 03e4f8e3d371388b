// swift-tools-version:6.0
// Vitalgate: a pure core (no C, no I/O), thin adapters over the three C
// libraries (SQLite, libmosquitto, libsodium) and the ledger's JSON-RPC, and
// one `vitalgate` executable. See docs/architecture.md.
import PackageDescription

let package = Package(
    name: "vitalgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vitalgate", targets: ["vitalgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // MARK: C libraries: one [system] module per library, one shim header each.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // No pkgConfig: its `-lcurl` would link libcurl; CCurl/shim.h dlopens it when needed.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: Pure core: imports no C and does no I/O.
        // Hex and Base64 (RFC 4648) for public bytes: the one implementation below everything.
        .target(name: "Codecs"),
        .target(name: "SHA2", dependencies: ["Codecs"]),
        .target(name: "Merkle", dependencies: ["SHA2"]),
        .target(name: "JSON", dependencies: ["Codecs"]),
        .target(name: "Vitals", dependencies: ["JSON", "Codecs"]),
        .target(name: "SignedNote", dependencies: ["SHA2", "JSON", "Codecs"]),
        .target(name: "Bitcoin", dependencies: ["SHA2", "JSON", "Codecs"]),
        .target(name: "ProofBundle", dependencies: ["Merkle", "Vitals", "SignedNote", "Bitcoin", "JSON", "SHA2", "Codecs"]),
        .target(name: "FHIR", dependencies: ["Vitals", "JSON", "SHA2", "Codecs"]),
        // A proof bundle as an OpenTimestamps proof (docs/proof-bundle.md).
        .target(name: "OpenTimestamps", dependencies: ["ProofBundle", "Bitcoin", "SignedNote", "Merkle", "SHA2"]),

        // MARK: Adapters.
        // The one file layer: whole-file reads, writes with fsync, the atomic replace.
        .target(name: "FileIO", dependencies: ["Codecs"]),
        .target(name: "Threads"),
        .target(name: "LocalProcesses", dependencies: ["FileIO", "Threads"]),
        .target(name: "SQLiteStore", dependencies: ["CSQLite"]),
        .target(name: "Sodium", dependencies: ["CSodium", "FileIO"]),
        .target(name: "MQTT", dependencies: ["CMosquitto", "Threads"]),
        .target(name: "LedgerRPC", dependencies: ["JSON", "Bitcoin", "Codecs", "FileIO", "Threads"]),
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),

        // MARK: The agent and the command line.
        .target(name: "VitalgateAgent", dependencies: [
            "Merkle", "Vitals", "SignedNote", "Bitcoin", "ProofBundle", "JSON", "SHA2", "Codecs",
            "SQLiteStore", "Sodium", "MQTT", "LedgerRPC", "Threads", "FHIR", "CurlHTTP", "FileIO",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Development tooling: regtest mining, the anchor benchmark, simulated
        // devices. Reached through `vitalgate dev` and `vitalgate simulate`,
        // which the production help does not list.
        .target(name: "VitalgateDev", dependencies: [
            "VitalgateAgent", "LedgerRPC", "Bitcoin", "MQTT", "Threads", "Vitals", "JSON",
        ]),
        .executableTarget(name: "vitalgate", dependencies: [
            "VitalgateAgent", "VitalgateDev", "ProofBundle", "Vitals", "JSON", "Codecs", "FileIO", "Sodium", "SQLiteStore", "MQTT", "LedgerRPC", "FHIR", "Threads",
            "OpenTimestamps", "Bitcoin", "SignedNote",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // `make bench`: the agent against a plain subscriber on the same load (docs/performance.md).
        .executableTarget(name: "vitalgate-bench", dependencies: [
            "LocalProcesses", "Threads", "VitalgateAgent", "Vitals", "Merkle", "SHA2", "JSON", "SQLiteStore", "MQTT", "LedgerRPC", "Sodium",
            "FileIO", "Codecs",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests: one target per module, plus integration tests against real processes.
        .target(name: "TestSupport", dependencies: ["LocalProcesses", "JSON", "Codecs"], path: "Tests/TestSupport"),
        // The salted-leaf tests' attacker: optimized even in debug builds, since it
        // makes tens of millions of guesses (Tests/LeafGuessing/LeafGuesser.swift).
        .target(name: "LeafGuessing", dependencies: ["CSodium", "Vitals"], path: "Tests/LeafGuessing",
                swiftSettings: [.unsafeFlags(["-O"])]),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs"]),
        .testTarget(name: "SHA2Tests", dependencies: ["SHA2"]),
        .testTarget(name: "MerkleTests", dependencies: ["Merkle", "SHA2"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "Codecs"]),
        .testTarget(name: "VitalsTests", dependencies: ["Vitals", "JSON", "SHA2", "Codecs"], exclude: ["Corpus"]),
        .testTarget(name: "SignedNoteTests", dependencies: ["SignedNote", "JSON", "Codecs"]),
        .testTarget(name: "BitcoinTests", dependencies: ["Bitcoin", "SHA2"]),
        .testTarget(name: "ProofBundleTests", dependencies: ["ProofBundle", "Merkle", "Vitals", "SignedNote", "Bitcoin", "Sodium", "JSON", "SHA2"]),
        .testTarget(name: "OpenTimestampsTests", dependencies: ["OpenTimestamps", "ProofBundle", "Bitcoin", "SHA2", "JSON", "Merkle", "SignedNote", "Vitals"]),
        .testTarget(name: "FHIRTests", dependencies: ["FHIR", "Vitals", "JSON", "SHA2", "Codecs", "Sodium", "TestSupport"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport"]),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["SQLiteStore"]),
        .testTarget(name: "ThreadsTests", dependencies: ["Threads"]),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium", "TestSupport", "Codecs"]),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "TestSupport", "Threads"]),
        .testTarget(name: "LedgerRPCTests", dependencies: ["LedgerRPC", "Bitcoin", "JSON", "Codecs", "TestSupport"]),
        .testTarget(name: "VitalgateAgentTests", dependencies: ["VitalgateAgent", "TestSupport", "Threads", "Vitals", "JSON", "Codecs", "FileIO", "MQTT", "Merkle", "SHA2", "Sodium", "SQLiteStore", "LedgerRPC",
                                                                 .product(name: "Logging", package: "swift-log"),
                                                                 .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "vitalgateTests", dependencies: ["vitalgate", "VitalgateAgent",
                                                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "LeafGuessing", "ProofBundle", "JSON", "Codecs", "MQTT", "Sodium", "SQLiteStore", "Vitals", "SHA2", "Merkle", "SignedNote", "Threads"]),
    ]
)
