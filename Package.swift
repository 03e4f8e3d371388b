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
        .target(name: "SHA2"),
        .target(name: "Merkle", dependencies: ["SHA2"]),
        .target(name: "JSON"),
        .target(name: "Vitals", dependencies: ["JSON", "SHA2"]),
        .target(name: "SignedNote", dependencies: ["SHA2", "JSON"]),
        .target(name: "Bitcoin", dependencies: ["SHA2", "JSON"]),
        .target(name: "ProofBundle", dependencies: ["Merkle", "Vitals", "SignedNote", "Bitcoin", "JSON", "SHA2"]),
        .target(name: "FHIR", dependencies: ["Vitals", "JSON", "SHA2"]),
        // A proof bundle as an OpenTimestamps proof (docs/proof-bundle.md).
        .target(name: "OpenTimestamps", dependencies: ["ProofBundle", "Bitcoin", "SignedNote", "Merkle", "SHA2"]),

        // MARK: Adapters.
        .target(name: "Threads"),
        .target(name: "LocalProcesses", dependencies: ["Threads"]),
        .target(name: "SQLiteStore", dependencies: ["CSQLite"]),
        .target(name: "Sodium", dependencies: ["CSodium"]),
        .target(name: "MQTT", dependencies: ["CMosquitto", "Threads"]),
        .target(name: "LedgerRPC", dependencies: ["JSON", "Bitcoin"]),
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),

        // MARK: The agent and the command line.
        .target(name: "VitalgateAgent", dependencies: [
            "Merkle", "Vitals", "SignedNote", "Bitcoin", "ProofBundle", "JSON", "SHA2",
            "SQLiteStore", "Sodium", "MQTT", "LedgerRPC", "Threads", "FHIR", "CurlHTTP",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "vitalgate", dependencies: [
            "VitalgateAgent", "ProofBundle", "Vitals", "JSON", "Sodium", "SQLiteStore", "MQTT", "LedgerRPC", "Threads", "FHIR",
            "OpenTimestamps", "Bitcoin", "SignedNote",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // `make bench`: the agent against a plain subscriber on the same load (docs/performance.md).
        .executableTarget(name: "vitalgate-bench", dependencies: [
            "LocalProcesses", "Threads", "VitalgateAgent", "Vitals", "Merkle", "SHA2", "JSON", "SQLiteStore", "MQTT", "LedgerRPC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests: one target per module, plus integration tests against real processes.
        .target(name: "TestSupport", dependencies: ["LocalProcesses", "JSON"], path: "Tests/TestSupport"),
        // The salted-leaf tests' attacker: optimized even in debug builds, since it
        // makes tens of millions of guesses (Tests/LeafGuessing/LeafGuesser.swift).
        .target(name: "LeafGuessing", dependencies: ["CSodium", "Vitals"], path: "Tests/LeafGuessing",
                swiftSettings: [.unsafeFlags(["-O"])]),
        .testTarget(name: "SHA2Tests", dependencies: ["SHA2"]),
        .testTarget(name: "MerkleTests", dependencies: ["Merkle", "SHA2"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "VitalsTests", dependencies: ["Vitals", "JSON", "SHA2"], exclude: ["Corpus"]),
        .testTarget(name: "SignedNoteTests", dependencies: ["SignedNote", "SHA2", "JSON"]),
        .testTarget(name: "BitcoinTests", dependencies: ["Bitcoin", "SHA2"]),
        .testTarget(name: "ProofBundleTests", dependencies: ["ProofBundle", "Merkle", "Vitals", "SignedNote", "Bitcoin", "Sodium", "JSON"]),
        .testTarget(name: "OpenTimestampsTests", dependencies: ["OpenTimestamps", "ProofBundle", "Bitcoin", "SHA2", "JSON", "Merkle", "SignedNote", "Vitals"]),
        .testTarget(name: "FHIRTests", dependencies: ["FHIR", "Vitals", "JSON", "SHA2", "Sodium", "TestSupport"]),
        .testTarget(name: "CurlHTTPTests", dependencies: ["CurlHTTP", "TestSupport"]),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["SQLiteStore"]),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium", "TestSupport", "JSON"]),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "TestSupport"]),
        .testTarget(name: "LedgerRPCTests", dependencies: ["LedgerRPC", "Bitcoin", "JSON", "TestSupport"]),
        .testTarget(name: "VitalgateAgentTests", dependencies: ["VitalgateAgent", "TestSupport", "ProofBundle", "Vitals", "JSON", "MQTT", "Sodium", "SQLiteStore", "LedgerRPC"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "LeafGuessing", "ProofBundle", "JSON", "MQTT", "LedgerRPC", "Sodium", "SQLiteStore", "Vitals", "Bitcoin", "SHA2", "Merkle", "SignedNote", "OpenTimestamps"]),
    ]
)
