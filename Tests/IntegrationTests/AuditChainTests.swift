import Foundation
import JSON
import ProofBundle
import Testing
import TestSupport

/// Issue 16, deliverables 2 and 3: consistency proofs, and a monitor that
/// proves the log never forked (docs/audit.md). A gateway anchors and only
/// grows: `audit chain` passes it. Then its home is copied, both copies run
/// (each with its own broker, and its own ledger node of one regtest
/// network, so their coins never meet) and anchor different readings: the
/// monitor names the two anchors and exits 1.
@Suite(.serialized)
struct AuditChainTests {
    @Test func aCopiedGatewayThatForksIsCaughtAndOneThatOnlyGrewPasses() throws {
        let nodes = try LedgerNode.network(2, name: "fork")
        defer { nodes.forEach { $0.stop() } }
        let (nodeA, nodeB) = (nodes[0], nodes[1])
        let brokerA = try Broker(), brokerB = try Broker()
        defer { brokerA.stop(); brokerB.stop() }
        let a = try GatewayFixture(gatewayID: "fork-gw", settings: GatewaySettings.anchoring(to: nodeA, mqttPort: brokerA.port, [
            "checkpoint_interval": "1", "anchor_interval": "2", "confirmations": "1",
        ]), devices: [("ox-1", "pulse-oximeter")])
        defer { a.remove() }
        let miner = BlockProducer(nodeA, interval: 1)
        defer { miner.stop() }
        try a.startAgentAndWaitForBroker()
        var seqA = 0
        func publish(_ broker: Broker, _ n: Int, hr: Int, seq: inout Int) throws {
            let publisher = try Publisher(port: broker.port)
            defer { publisher.stop() }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var messages: [(topic: String, payload: [UInt8])] = []
            for _ in 0..<n {
                seq += 1
                messages.append(("vitals/ox-1", Array(#"{"device":"ox-1","seq":\#(seq),"ts":\#(now + Int64(seq)),"spo2":97,"hr":\#(hr)}"#.utf8)))
            }
            try publisher.publish(messages)
        }
        // `stored`: every reading published so far is in (a commit may wait up to commit_window).
        func anchoredAll(_ g: GatewayFixture, stored: Int) throws {
            try g.waitForStatus(timeout: 60, "a final anchor of the whole log") { s in
                s["stored"]?.int64 == Int64(stored) && s["tree_size"]?.int64 == s["anchors"]?["last_confirmed"]?["tree_size"]?.int64
                    && (s["anchors"]?["last_confirmed"]?["tree_size"]?.int64 ?? 0) > 0 && s["anchors"]?["pending"]?.int64 == 0
            }
        }
        try publish(brokerA, 3, hr: 70, seq: &seqA)
        try anchoredAll(a, stored: seqA)
        try publish(brokerA, 3, hr: 71, seq: &seqA)
        try anchoredAll(a, stored: seqA)
        let chain = ["audit", "chain", "--gateway-key", a.home + "/gateway.pub", "--ledger-url", nodeA.url, "--ledger-cookie", nodeA.cookieFile]

        // Control: a gateway that only grew passes, from its database and from consistency files.
        let grown = try runVitalgate(chain + ["--home", a.home])
        #expect(grown.status == 0, "\(grown.stdout)\(grown.stderr)")
        #expect(grown.stdout.contains("CONSISTENT"))
        let sizesA = try anchoredSizes(a)
        #expect(sizesA.count >= 2, "\(sizesA)")
        #expect(grown.stdout.components(separatedBy: "\nOK  ").count - 1 + (grown.stdout.hasPrefix("OK  ") ? 1 : 0) == sizesA.count, "\(grown.stdout)")
        let proofs = a.directory.file("proofs")
        try FileManager.default.createDirectory(atPath: proofs, withIntermediateDirectories: true)
        for (old, new) in zip(sizesA, sizesA.dropFirst()) {
            let c = try gatewayCommand(a, ["export", "--consistency", String(old), String(new)])
            try c.stdout.write(toFile: "\(proofs)/\(old)-\(new).json", atomically: true, encoding: .utf8)
        }
        let fromFiles = try runVitalgate(chain + ["--proofs", proofs])
        #expect(fromFiles.status == 0, "\(fromFiles.stdout)\(fromFiles.stderr)")
        // Without any evidence, no step is proven: could not check.
        let bare = try runVitalgate(chain)
        #expect(bare.status == 2, "\(bare.stdout)")

        // The fork: A's home copied while A is stopped; both run and anchor different readings.
        a.stopAgent()
        let archive = a.directory.file("home.tar.gz")
        #expect(try runTool("/bin/tar", ["-czf", archive, "-C", a.directory.path, "home"]).status == 0)
        let b = try GatewayFixture(unpacking: archive)
        defer { b.remove() }
        let minerB = BlockProducer(nodeB, interval: 1.5)
        defer { minerB.stop() }
        try b.startAgentAndWaitForBroker(["--mqtt-port", String(brokerB.port), "--ledger-url", nodeB.url, "--ledger-cookie", nodeB.cookieFile])
        try a.startAgentAndWaitForBroker()
        var seqB = seqA
        try publish(brokerA, 4, hr: 88, seq: &seqA)
        try publish(brokerB, 3, hr: 44, seq: &seqB)  // B has one leaf more already: its settings changed
        try anchoredAll(a, stored: seqA)
        try anchoredAll(b, stored: seqB)
        try waitUntil(timeout: 30, "both copies' anchors on node A's chain") {
            try [a, b].allSatisfy { g in try lastFinalTxid(g).map { txid in ((try? nodeA.rpc("getrawtransaction", [.string(txid), true]))?["confirmations"]?.int64 ?? 0) >= 1 } ?? false }
        }
        let (txA, txB) = (try #require(try lastFinalTxid(a)), try #require(try lastFinalTxid(b)))

        // Both copies' evidence: each anchor is attributed, and the fork is proven.
        let forked = try runVitalgate(chain + ["--home", a.home, "--home", b.home])
        #expect(forked.status == 1, "\(forked.stdout)\(forked.stderr)")
        let forkLines = forked.stdout.split(separator: "\n").filter { $0.hasPrefix("FORK") }
        #expect(forkLines.contains { $0.contains(txA) && $0.contains(txB) }, "the two anchors named: \(forked.stdout)")
        #expect(forked.stdout.contains("FORKED:"))
        // Only A's evidence: B's anchors contradict A's signed history all the same.
        let fromA = try runVitalgate(chain + ["--home", a.home])
        #expect(fromA.status == 1, "\(fromA.stdout)")
        #expect(fromA.stdout.contains(txB), "\(fromA.stdout)")
        // The anchors before the fork stay OK in every run.
        #expect(forked.stdout.split(separator: "\n").filter { $0.hasPrefix("OK") }.count >= sizesA.count)

        // verify --consistency: A's older checkpoint to A's newest passes; B's proof does not fit A's bundle.
        let sizeA = try #require(try anchoredSizes(a).last), sizeB = try #require(try anchoredSizes(b).last)
        let bundle = a.directory.file("bundle.json")
        try gatewayCommand(a, ["export", "--device", "ox-1", "--seq", String(seqA)]).stdout.write(toFile: bundle, atomically: true, encoding: .utf8)
        let ownProof = a.directory.file("own.json"), otherProof = a.directory.file("other.json")
        try gatewayCommand(a, ["export", "--consistency", String(sizesA[0]), String(sizeA)]).stdout.write(toFile: ownProof, atomically: true, encoding: .utf8)
        try gatewayCommand(b, ["export", "--consistency", String(sizesA[0]), String(sizeB)]).stdout.write(toFile: otherProof, atomically: true, encoding: .utf8)
        let pin = ["--gateway-key", a.home + "/gateway.pub"]
        let grew = try runVitalgate(["verify", bundle, "--consistency", ownProof] + pin)
        #expect(grew.status == 0 && grew.stdout.contains("PASS  \(VerificationStep.Name.consistency.rawValue)"), "\(grew.stdout)")
        let alone = try runVitalgate(["verify", ownProof] + pin)
        #expect(alone.status == 0, "a consistency file verifies on its own: \(alone.stdout)")
        let mismatched = try runVitalgate(["verify", bundle, "--consistency", otherProof] + pin)
        #expect(mismatched.status == 1 && mismatched.stdout.contains("FAIL  \(VerificationStep.Name.consistency.rawValue)"), "\(mismatched.stdout)")
        // A consistency file whose proof was altered fails on its own.
        var altered = try ConsistencyBundle(json: JSONParser.parse(try String(contentsOfFile: ownProof, encoding: .utf8)))
        if !altered.proof.isEmpty { altered.proof[0][0] ^= 1 } else { altered.proof = [[UInt8](repeating: 1, count: 32)] }
        try altered.json.serialized().write(toFile: otherProof, atomically: true, encoding: .utf8)
        let broken = try runVitalgate(["verify", otherProof] + pin)
        #expect(broken.status == 1, "\(broken.stdout)")

        a.stopAgent()
        b.stopAgent()
    }

    /// Tree sizes of the gateway's final anchors, ascending.
    func anchoredSizes(_ g: GatewayFixture) throws -> [UInt64] {
        try g.readOnlyDatabase().prepare("SELECT DISTINCT tree_size FROM anchors WHERE state = 'final' ORDER BY tree_size").rows { UInt64($0.int64(0)) }
    }

    func lastFinalTxid(_ g: GatewayFixture) throws -> String? {
        try g.readOnlyDatabase().prepare("SELECT txid FROM anchors WHERE state = 'final' ORDER BY tree_size DESC, id DESC LIMIT 1").rows { $0.text(0) ?? "" }.first
    }
}
