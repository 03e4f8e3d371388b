import Foundation
import JSON
import ProofBundle
import Testing
import TestSupport
import Vitals

/// A gateway as the release before salted leaves left it (commit 5716602;
/// `Tests/fixtures/pre-salt/make.sh` made the fixture with that release's
/// binary): its home, with 18 version 1 leaves, two checkpoints, a final
/// anchor and one still in the mempool, clear patient references; its
/// regtest chain and wallet; and a proof bundle (format 1) it exported.
/// Today's agent opens it, migrates it and appends version 2 leaves to the
/// same log; bundles from before and after verify against the same chain.
@Suite(.serialized) struct PreSaltMigrationTests {
    static let fixture = repositoryRoot() + "/Tests/fixtures/pre-salt"

    @Test func aPreSaltGatewayIsMigratedExtendedAndEveryBundleVerifies() throws {
        let ledger = try LedgerNode(restoring: Self.fixture + "/ledger.tar.gz")
        defer { ledger.stop() }
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(unpacking: Self.fixture + "/home.tar.gz")
        defer { gateway.remove() }
        let node = ["--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile]

        // The release's own bundle, format 1 with an unsalted leaf, verifies with today's `verify`.
        let released = try runVitalgate(["verify", Self.fixture + "/bundle-v1.json"] + node)
        #expect(released.status == 0, "\(released.stdout)\(released.stderr)")
        #expect(released.stdout.contains("leaf version 1"))

        // What the release stored: version 1 leaves, and patients in the clear (the control
        // for the search below).
        let before = try LogAudit.leaves(gateway.databasePath)
        try #require(before.count == 18, "the fixture holds 18 readings")
        #expect(try before.values.allSatisfy { try ReadingLeaf(bytes: $0).version == 1 })
        #expect(try Self.databaseFiles(gateway).contains { $0.contains(bytes: Array("Patient/123".utf8)) })

        try gateway.startAgentAndWaitForBroker(["--mqtt-port", String(broker.port), "--checkpoint-interval", "1",
                                                "--anchor-interval", "1", "--confirmations", "1"] + node)
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }

        // New readings from the same devices, on a new boot.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var messages: [(topic: String, payload: [UInt8])] = []
        for seq in 1...5 {
            messages.append(("vitals/ox-01", Array(#"{"device":"ox-01","boot":2,"seq":\#(seq),"ts":\#(now + Int64(seq)),"spo2":9\#(seq),"hr":7\#(seq)}"#.utf8)))
            messages.append(("vitals/th-01", Array(#"{"device":"th-01","boot":2,"seq":\#(seq),"ts":\#(now + Int64(seq)),"temp":36.\#(seq)}"#.utf8)))
            messages.append(("vitals/bp-01", Array(#"{"device":"bp-01","boot":2,"seq":\#(seq),"ts":\#(now + Int64(seq)),"sys":12\#(seq),"dia":8\#(seq)}"#.utf8)))
        }
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(messages)
        publisher.stop()
        try gateway.waitForStatus(timeout: 120, "33 readings stored and anchored") { s in
            s["stored"]?.int64 == 33 && wholeLogAnchored(s)
        }

        // An old reading (version 1 leaf) and a new one (version 2), exported now, verify on the node.
        for (device, boot, seq, version) in [("ox-01", 1, 1, 1), ("th-01", 1, 6, 1), ("ox-01", 2, 3, 2), ("bp-01", 2, 5, 2)] {
            let export = try runVitalgate(["export", "--home", gateway.home, "--device", device, "--seq", String(seq), "--boot", String(boot)])
            try #require(export.status == 0, "export \(device) \(boot)/\(seq): \(export.stderr)")
            let bundle = try ProofBundle(json: JSONParser.parse(export.stdout))
            #expect(bundle.leafVersion == version, "\(device) \(boot)/\(seq)")
            let file = gateway.directory.file("bundle-\(device)-\(boot)-\(seq).json")
            try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let verify = try runVitalgate(["verify", file] + node)
            #expect(verify.status == 0, "verify \(device) \(boot)/\(seq): \(verify.stdout)")
        }
        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0, "agent exit: \(gateway.agentLogs().suffix(2000))")

        // One log: the old leaves unchanged at their indices, the new ones salted after them,
        // every checkpoint (the release's and today's) the root of its leaves and signed.
        let after = try LogAudit.leaves(gateway.databasePath)
        #expect(after.count == 33)
        for (index, leaf) in before { #expect(after[index] == leaf, "leaf \(index) changed") }
        // (after the access trail's first record of the settings, the first leaf appended: docs/audit.md)
        let added = after.filter { $0.key >= 18 }
        #expect(added.count == 15)
        #expect(try added.values.allSatisfy { try ReadingLeaf(bytes: $0).version == 2 })
        try LogAudit.verifyCheckpoints(gateway, leaves: after)

        // The release's clear patient references are sealed now; delivery's subject rule still holds.
        #expect(try !Self.databaseFiles(gateway).contains { $0.contains(bytes: Array("Patient/".utf8)) })
        let fhir = try runVitalgate(["export", "--fhir", "--device", "ox-01", "--home", gateway.home])
        #expect(fhir.status == 0, "\(fhir.stderr)")
        let lines = fhir.stdout.split(separator: "\n")
        #expect(lines.count == 2 * 11, "6 old and 5 new oximeter readings, two Observations each")
        #expect(lines.allSatisfy { $0.contains(#""reference":"Patient/123""#) })
    }

    /// The database and its -wal and -shm, as bytes.
    static func databaseFiles(_ gateway: GatewayFixture) throws -> [[UInt8]] {
        ["", "-wal", "-shm"].map { bytes(gateway.databasePath + $0) }
    }
}
