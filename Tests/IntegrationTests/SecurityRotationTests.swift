import Foundation
import JSON
import ProofBundle
import SignedNote
import Sodium
import Testing
import Vitals
import TestSupport

/// A full secured run: sealed gateway key, TLS devices with their own
/// logins, the agent on its own broker user, anchoring on a regtest ledger,
/// a key rotation in the middle. Bundles from before and after the rotation
/// verify against the provisioned key; a key outside the chain fails. Then
/// the logs and the SQLite files are searched for secrets and vitals.
@Suite(.serialized)
struct SecurityRotationTests {
    static let passphrase = "rotation test passphrase 9e2b"
    /// Distinctive values, to search for in logs and database files.
    static let temps = ["36.789", "36.791", "36.793", "36.797", "36.799"]

    @Test func bundlesVerifyAcrossARotationAndNothingLeaks() throws {
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let scratch = certificates.directory
        try writePrivate(scratch.file("passphrase"), Self.passphrase + "\n")
        let pidFile = scratch.file("mosquitto.pid")
        let gateway = try GatewayFixture(gatewayID: "sec-gw", settings: [
            "ledger_url": ledger.url, "ledger_cookie": ledger.cookieFile, "broker_pid_file": pidFile,
            "checkpoint_interval": "1", "anchor_interval": "2", "confirmations": "1",
        ], devices: [], provisionArguments: ["--passphrase-file", scratch.file("passphrase")])
        defer { gateway.remove() }
        var cli: [String] = []
        func vitalgate(_ arguments: [String]) throws -> CommandResult {
            let r = try runVitalgate(arguments + ["--home", gateway.home])
            cli += [r.stdout, r.stderr]
            return r
        }
        let add = try vitalgate(["device", "add", "th-1", "--profile", "thermometer", "--password-out", scratch.file("th-1.password")])
        try #require(add.status == 0, "\(add.stderr)")
        let devicePassword = contents(scratch.file("th-1.password")).trimmingCharacters(in: .newlines)
        let broker = try Broker(secured: BrokerSecurity(
            passwordFile: gateway.home + "/broker/passwd", aclFile: gateway.home + "/broker/acl", pidFile: pidFile,
            certificates: certificates))
        defer { broker.stop() }
        let run = ["--mqtt-port", String(broker.port)]
        try gateway.startAgentAndWaitForBroker(run)
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        let device = try SecureDevice(id: "th-1", user: "th-1", password: devicePassword, port: try #require(broker.tlsPort),
                                      caFile: certificates.caFile)
        defer { device.stop() }
        try #require(device.connected)
        var leaves: [[UInt8]] = []
        func publish(_ seq: Int) throws {
            let ts = Int64(Date().timeIntervalSince1970 * 1000)
            try device.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: seq, temp: Self.temps[seq - 1], ts: ts))
            leaves.append(Array("{\"boot\":1,\"device\":\"th-1\",\"seq\":\(seq),\"temp\":\(Self.temps[seq - 1]),\"ts\":\(ts)}".utf8))
        }

        for seq in 1...3 { try publish(seq) }
        try gateway.waitForStatus(timeout: 60, "a confirmed anchor of 3 readings") { $0["stored"]?.int64 == 3 && wholeLogAnchored($0) }
        // The leaves searched for below are the ones stored (opened with the gateway key), so the search can find them.
        let sealedKey = try KeyFile.readSealed(from: gateway.home + "/gateway.key", passphrase: Array(Self.passphrase.utf8))
        let stored = try LogAudit.leaves(gateway.databasePath, cipher: SealedLeaves(secretKey: sealedKey))
        // The readings' leaves, in log order (access events sit beside them: docs/audit.md).
        let storedFirst = stored.keys.sorted().map { stored[$0]! }
        try #require(storedFirst.count == 3)
        #expect(try storedFirst.map { try ReadingLeaf(bytes: $0).reading.canonicalEncoding() } == leaves,
                "the stored leaves are the hand-built readings, salted")
        #expect(try storedFirst.allSatisfy { try ReadingLeaf(bytes: $0).version == 2 })
        // At rest, while the agent runs: neither the database nor its WAL holds a value, a stored leaf or a hand-built one.
        try Self.expectNoVitals(in: gateway, leaves: leaves + storedFirst, walMustExist: true)
        let provisioned = try #require(Hex.decode(String(contents(gateway.home + "/gateway.pub").prefix(64))))
        let before = try Self.export(gateway, seq: 1, scratch.file("before.json"), &cli)
        let provisionedSeed = try KeyFile.readSealed(from: gateway.home + "/gateway.key", passphrase: Array(Self.passphrase.utf8)).withSeed { Hex.encode($0) }

        // rotate-key refuses while the agent runs, then rotates once it is stopped.
        let busy = try vitalgate(["rotate-key"])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("the agent is running"), "\(busy.stderr)")
        gateway.stopAgent()
        let rotate = try vitalgate(["rotate-key"])
        try #require(rotate.status == 0, "\(rotate.stderr)")
        let rotated = try #require(Hex.decode(String(contents(gateway.home + "/gateway.pub").prefix(64))))
        #expect(rotated != provisioned)
        #expect(contents(gateway.home + "/gateway.key").hasPrefix("vitalgate-sealed-key v1"), "the new key stays sealed")

        try gateway.startAgentAndWaitForBroker(run)
        for seq in 4...5 { try publish(seq) }
        // 3 readings, the rotation statement, 2 readings (and access events: docs/audit.md).
        try gateway.waitForStatus(timeout: 60, "a confirmed anchor of the whole log") { $0["stored"]?.int64 == 5 && wholeLogAnchored($0) }
        let after = try Self.export(gateway, seq: 5, scratch.file("after.json"), &cli)
        let oldAfter = try Self.export(gateway, seq: 2, scratch.file("old-after.json"), &cli)
        #expect(before.gatewayPublicKey == provisioned && before.keyChain.isEmpty)
        #expect(after.gatewayPublicKey == rotated && after.keyChain.count == 1 && oldAfter.gatewayPublicKey == rotated)
        let readingIndex = { (seq: Int) in try gateway.readOnlyDatabase().prepare("SELECT leaf_index FROM readings WHERE seq = ?").rows(.integer(Int64(seq))) { UInt64($0.int64(0)) }.first }
        let rotationIndex = try #require(after.keyChain.first?.leafIndex)
        #expect(try readingIndex(3)! < rotationIndex && rotationIndex < readingIndex(4)!, "the rotation's leaf comes between readings 3 and 4")

        // Both verify on the ledger with the provisioned key pinned, and unpinned.
        for file in ["before.json", "after.json", "old-after.json"] {
            for pin in [["--gateway-key", Hex.encode(provisioned)], []] {
                let verify = try runVitalgate(["verify", scratch.file(file), "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile] + pin)
                cli.append(verify.stdout)
                #expect(verify.status == 0 && !verify.stdout.contains("FAIL"), "\(file) \(pin): \(verify.stdout)")
                #expect(verify.stdout.contains("PASS  \(VerificationStep.Name.keyChain.rawValue)"))
            }
        }
        // Keys outside the chain fail.
        try Self.expectKeyChainFailure(after, scratch.file("after.json"), pin: Hex.encode(try Ed25519SecretKey.generate().publicKey.bytes), "a pinned key not in the chain")
        var stripped = after
        stripped.keyChain = []
        try Self.expectKeyChainFailure(stripped, scratch.file("stripped.json"), pin: Hex.encode(provisioned), "the new key without its chain")
        let outsider = try Ed25519SecretKey.generate()
        var forged = after
        let note = try SignedNote(parsing: after.checkpoint)
        forged.checkpoint = SignedNote.sign(text: note.text, name: "vitalgate/sec-gw",
                                            keyID: Ed25519NoteKey.keyID(name: "vitalgate/sec-gw", publicKey: outsider.publicKey.bytes)) { outsider.sign($0) }.serialized
        forged.gatewayPublicKey = outsider.publicKey.bytes
        try Self.expectKeyChainFailure(forged, scratch.file("forged.json"), pin: nil, "a checkpoint signed by a key outside the chain")

        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0)
        let rotatedKey = try KeyFile.readSealed(from: gateway.home + "/gateway.key", passphrase: Array(Self.passphrase.utf8))
        let storedAll = try LogAudit.leaves(gateway.databasePath, cipher: SealedLeaves(secretKey: rotatedKey))
        let storedReadings = storedAll.keys.sorted().map { storedAll[$0]! }
        #expect(try storedReadings.map { try ReadingLeaf(bytes: $0).reading.canonicalEncoding() } == leaves)
        try Self.expectNoVitals(in: gateway, leaves: leaves + storedReadings)

        // No secret, password or value in any log or CLI output (bundles aside: they carry readings by design).
        let seeds = [provisionedSeed, try KeyFile.readSealed(from: gateway.home + "/gateway.key", passphrase: Array(Self.passphrase.utf8)).withSeed { Hex.encode($0) }]
        let agentPassword = contents(gateway.home + "/broker/agent.password").trimmingCharacters(in: .newlines)
        let logs = gateway.agentLogs() + broker.output() + cli.joined() + contents(ledger.debugLog)
        #expect(!gateway.agentLogs().isEmpty && !broker.output().isEmpty)
        for secret in [Self.passphrase, devicePassword, agentPassword] + seeds + Self.temps {
            #expect(!logs.contains(secret), "\(secret.count)-character secret or value found in the logs")
        }
    }

    static func export(_ gateway: GatewayFixture, seq: Int, _ file: String, _ cli: inout [String]) throws -> ProofBundle {
        let r = try runVitalgate(["export", "--home", gateway.home, "--device", "th-1", "--seq", String(seq)])
        cli.append(r.stderr)
        try #require(r.status == 0, "export seq \(seq): \(r.stderr)")
        try r.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        return try ProofBundle(json: JSONParser.parse(r.stdout))
    }

    static func expectKeyChainFailure(_ bundle: ProofBundle, _ file: String, pin: String?, _ what: String) throws {
        try bundle.json.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try runVitalgate(["verify", file] + (pin.map { ["--gateway-key", $0] } ?? []))
        #expect(verify.status != 0, "\(what) verified")
        #expect(verify.stdout.contains("FAIL  \(VerificationStep.Name.keyChain.rawValue)"), "\(what): \(verify.stdout)")
    }

    /// The database file and its WAL hold no value and no leaf in the clear.
    static func expectNoVitals(in gateway: GatewayFixture, leaves: [[UInt8]], walMustExist: Bool = false) throws {
        let files = [gateway.databasePath, gateway.databasePath + "-wal"]
        let stored = files.map(bytes)
        #expect(stored[0].count > 0)
        // While the agent runs the WAL holds the recent commits: an empty one would make its search vacuous.
        if walMustExist { #expect(stored[1].count > 0) }
        for (file, content) in zip(files, stored) {
            // Searched first, asserted after: #expect would print the whole file on failure.
            let values = temps.filter { content.contains(bytes: Array($0.utf8)) }
            let clearLeaves = leaves.filter { content.contains(bytes: $0) }.count
            let json = content.contains(bytes: Array("\"temp\":".utf8))
            #expect(values.isEmpty, "values in the clear in \(file): \(values)")
            #expect(clearLeaves == 0, "\(clearLeaves) canonical readings in the clear in \(file)")
            #expect(!json, "a reading's JSON in the clear in \(file)")
        }
    }
}
