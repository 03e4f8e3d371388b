import Foundation
import JSON
import ProofBundle
import SHA2
import Testing
import TestSupport

/// Issue 16, deliverables 5 and 6: `verify` verdicts a script can trust
/// (exit 0 verified, 1 forged or mismatched, 2 could not check; several
/// ledger URLs tried in turn; words about an unpinned key), and proofs the
/// stock OpenTimestamps client verifies against the regtest node.
@Suite(.serialized)
struct VerifyVerdictTests {
    @Test func exitCodesForEachCaseAndLedgerFailoverInEitherOrder() throws {
        let (ledger, broker, gateway) = try Self.anchoredGateway("verdict-gw", readings: 3)
        defer { ledger.stop(); broker.stop(); gateway.remove() }
        let bundle = gateway.directory.file("b.json")
        try gatewayCommand(gateway, ["export", "--device", "ox-1", "--seq", "2"]).stdout.write(toFile: bundle, atomically: true, encoding: .utf8)
        let closed = "http://127.0.0.1:\(try freeLoopbackPort())"
        let node = ["--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile]
        let pin = ["--gateway-key", gateway.home + "/gateway.pub"]
        func verify(_ arguments: [String]) throws -> CommandResult { try runVitalgate(["verify"] + arguments) }

        // Verified: 0, on one node, and on a list with a dead one first or last.
        let ok = try verify([bundle] + node + pin)
        #expect(ok.status == 0 && ok.stdout.contains("\nVERIFIED"), "\(ok.stdout)")
        for urls in ["\(closed),\(ledger.url)", "\(ledger.url),\(closed)"] {
            let r = try verify([bundle, "--ledger-url", urls, "--ledger-cookie", ledger.cookieFile] + pin)
            #expect(r.status == 0, "\(urls): \(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("PASS  \(VerificationStep.Name.ledger.rawValue)"), "\(urls): \(r.stdout)")
        }
        // Pinned or not, in words; unpinned names the key's fingerprint.
        let key = try #require(Hex.decode(String(try String(contentsOfFile: gateway.home + "/gateway.pub", encoding: .utf8).prefix(64))))
        let fingerprint = Hex.encode(SHA256.hash(key).bytes.prefix(8))
        #expect(!ok.stdout.contains("NOT PINNED"))
        let unpinned = try verify([bundle] + node)
        #expect(unpinned.status == 0 && unpinned.stdout.contains("NOT PINNED") && unpinned.stdout.contains("authenticity rests on the key in the bundle"), "\(unpinned.stdout)")
        #expect(unpinned.stdout.contains(fingerprint), "\(unpinned.stdout)")

        // Forged or mismatched: 1.
        var forged = try ProofBundle(json: JSONParser.parse(try String(contentsOfFile: bundle, encoding: .utf8)))
        forged.anchor.txoutProof[30] ^= 0x01
        let forgedFile = gateway.directory.file("forged.json")
        try forged.json.serialized().write(toFile: forgedFile, atomically: true, encoding: .utf8)
        let f = try verify([forgedFile] + node + pin)
        #expect(f.status == 1 && f.stdout.contains("NOT VERIFIED"), "\(f.stdout)")
        let otherKey = try verify([bundle, "--gateway-key", String(repeating: "ab", count: 32)])
        #expect(otherKey.status == 1, "a key outside the chain pinned: \(otherKey.stdout)")
        // Forged and the node down: the forgery decides (1), not the outage.
        #expect(try verify([forgedFile, "--ledger-url", closed, "--ledger-cookie", ledger.cookieFile]).status == 1)
        // The node no longer has the block in its active chain: mismatched, 1.
        let blockHash = try ProofBundle(json: JSONParser.parse(try String(contentsOfFile: bundle, encoding: .utf8))).anchor.blockHash
        try ledger.invalidateBlock(blockHash)
        let reorged = try verify([bundle] + node + pin)
        #expect(reorged.status == 1 && reorged.stdout.contains("FAIL  \(VerificationStep.Name.ledger.rawValue)"), "\(reorged.stdout)")
        try ledger.rpc("reconsiderblock", [.string(blockHash)])
        #expect(try verify([bundle] + node + pin).status == 0, "control: the block back in the chain")

        // Could not check: 2.
        let down = try verify([bundle, "--ledger-url", closed, "--ledger-cookie", ledger.cookieFile] + pin)
        #expect(down.status == 2 && down.stdout.contains("UNCHECKED  \(VerificationStep.Name.ledger.rawValue)") && down.stdout.contains("COULD NOT CHECK"), "\(down.stdout)")
        let noCookie = try verify([bundle, "--ledger-url", ledger.url, "--ledger-cookie", gateway.directory.file("no-such-cookie")] + pin)
        #expect(noCookie.status == 2, "\(noCookie.stdout)")
        let notJSON = gateway.directory.file("not.json")
        try "PK\u{3}\u{4} not a bundle".write(toFile: notJSON, atomically: true, encoding: .utf8)
        #expect(try verify([notJSON] + pin).status == 2)
        #expect(try verify([gateway.directory.file("missing.json")] + pin).status == 2)
        let otherJSON = gateway.directory.file("other.json")
        try #"{"resourceType":"Bundle"}"#.write(toFile: otherJSON, atomically: true, encoding: .utf8)
        #expect(try verify([otherJSON]).status == 2, "JSON that is no Vitalgate evidence")
        // Wrong usage: 64 (ArgumentParser's EX_USAGE).
        #expect(try verify([bundle, "--gateway-key", "not-a-key"]).status == 64)
        #expect(try verify([bundle, "--ledger-url", "http://127.0.0.1:0", "--ledger-cookie", ledger.cookieFile]).status == 64)
    }

    @Test func theStockOpenTimestampsClientVerifiesExportsAndRefusesAChangedByte() throws {
        let ots = try Self.otsClient()
        let (ledger, broker, gateway) = try Self.anchoredGateway("ots-gw", readings: 4)
        defer { ledger.stop(); broker.stop(); gateway.remove() }
        let cookie = try String(contentsOfFile: ledger.cookieFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let nodeURL = "http://\(cookie)@127.0.0.1:\(ledger.rpcPort)"
        func otsVerify(_ file: String) throws -> (status: Int32, output: String) {
            try runTool(ots, ["--no-cache", "--bitcoin-node", nodeURL, "verify", "-f", file, file + ".ots"])
        }
        // Readings 1 and 4, and an access event (the first: the enrolment).
        let event = try #require(try gateway.readOnlyDatabase().prepare("SELECT leaf_index FROM audit_events ORDER BY number LIMIT 1").rows { $0.int64(0) }.first)
        for (name, selector) in [("r1", ["--device", "ox-1", "--seq", "1"]), ("r4", ["--device", "ox-1", "--seq", "4"]), ("event", ["--leaf", String(event)])] {
            let file = gateway.directory.file(name)
            try gatewayCommand(gateway, ["export"] + selector + ["--ots", file])
            let bundle = try ProofBundle(json: JSONParser.parse(try gatewayCommand(gateway, ["export"] + selector).stdout))
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data([0x00] + bundle.leaf), "\(name): the file is the leaf's preimage")
            let r = try otsVerify(file)
            #expect(r.status == 0 && r.output.contains("Success! Bitcoin block \(bundle.anchor.blockHeight) attests existence"), "\(name): \(r.output)")

            // One byte changed in the file, or in the proof: the client refuses.
            var changed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            changed[changed.count / 2] ^= 0x01
            let bad = file + "-changed"
            try Data(changed).write(to: URL(fileURLWithPath: bad))
            try FileManager.default.copyItem(atPath: file + ".ots", toPath: bad + ".ots")
            let refused = try otsVerify(bad)
            #expect(refused.status != 0 && !refused.output.contains("Success!"), "\(name) changed file: \(refused.output)")
            var proof = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file + ".ots")))
            proof[proof.count - 20] ^= 0x01  // inside the block's Merkle path
            let badProof = file + "-proof"
            try FileManager.default.copyItem(atPath: file, toPath: badProof)
            try Data(proof).write(to: URL(fileURLWithPath: badProof + ".ots"))
            let refusedProof = try otsVerify(badProof)
            #expect(refusedProof.status != 0 && !refusedProof.output.contains("Success!"), "\(name) changed proof: \(refusedProof.output)")
        }
        // Each --ots export is on the record (pending: the agent is stopped, and appends them when it runs).
        let recorded = try WholeLog.trail(gateway).filter { $0["type"]?.string == "export-bundle" && $0["event"]?["format"]?.string == "opentimestamps" }
        #expect(recorded.count == 3, "\(recorded)")
        #expect(recorded.allSatisfy { $0["leaf_index"]?.isNull == true })
    }

    /// The stock client from the tests' venv (make ots-venv).
    static func otsClient() throws -> String {
        let path = repositoryRoot() + "/.venv-ots/bin/ots"
        guard FileManager.default.isExecutableFile(atPath: path) else { throw HarnessError("\(path) is missing: run `make ots-venv` (make test does)") }
        return path
    }

    /// A gateway with one oximeter whose `readings` readings and first events are under a final anchor.
    static func anchoredGateway(_ id: String, readings: Int) throws -> (LedgerNode, Broker, GatewayFixture) {
        let ledger = try LedgerNode(name: id)
        let broker = try Broker()
        let gateway = try GatewayFixture(gatewayID: id, settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "2", "confirmations": "2",
        ]), devices: [("ox-1", "pulse-oximeter")])
        try gateway.startAgentAndWaitForBroker()
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try publisher.publish((1...readings).map { ("vitals/ox-1", Array(#"{"device":"ox-1","seq":\#($0),"ts":\#(now + Int64($0)),"spo2":98,"hr":\#(64 + $0)}"#.utf8)) })
        try gateway.waitForStatus(timeout: 60, "a final anchor of the whole log") { s in
            s["stored"]?.int64 == Int64(readings) && s["tree_size"]?.int64 == s["anchors"]?["last_confirmed"]?["tree_size"]?.int64
        }
        gateway.stopAgent()
        return (ledger, broker, gateway)
    }
}
