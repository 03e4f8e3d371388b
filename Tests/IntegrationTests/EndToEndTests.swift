import Foundation
import JSON
import ProofBundle
import SQLiteStore
import Sodium
import Testing
import Vitals
import TestSupport

/// The whole path with every part real: mosquitto, litecoind -regtest, SQLite
/// files and the `vitalgate` binary (issue 2's acceptance).
@Suite(.serialized)
struct EndToEndTests {
    @Test func tenThousandReadingsAreStoredOnceAnchoredAndVerifiable() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let devices = (0..<10).map { ("dev-\($0)", TrafficPlan.profiles[$0 % TrafficPlan.profiles.count]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "checkpoint_every": "4000", "anchor_interval": "2", "confirmations": "2",
        ]), devices: devices + [("retired-1", "thermometer")])
        defer { gateway.remove() }
        let revoked = try runVitalgate(["device", "revoke", "retired-1", "--home", gateway.home])
        try #require(revoked.status == 0, "device revoke: \(revoked.stderr)")
        try gateway.startAgentAndWaitForBroker()
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }

        let plan = TrafficPlan.make(devices: devices, revoked: "retired-1", perDevice: 1000, invalidRounds: 30,
                                    now: Int64(Date().timeIntervalSince1970 * 1000))
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(plan.map { ($0.topic, $0.payload) })
        publisher.stop()

        let validCount = plan.filter { $0.expect == .stored }.count
        // A resend of a stored reading is a duplicate, counted apart from rejections.
        let duplicateCount = plan.filter { $0.expect == .rejected("duplicate") }.count
        let rejectedCount = plan.count - validCount - duplicateCount
        precondition(validCount >= 10_000, "the plan must hold at least 10,000 valid readings")
        try gateway.waitForStatus(timeout: 120, "all \(plan.count) messages processed") { s in
            s["stored"]?.int64 == Int64(validCount) && s["rejected"]?.int64 == Int64(rejectedCount)
                && s["duplicates"]?.int64 == Int64(duplicateCount)
        }

        // Every rejection reason is counted exactly.
        let status = try gateway.status()
        var expectedReasons: [String: Int64] = [:]
        for case .rejected(let reason) in plan.map(\.expect) where reason != "duplicate" { expectedReasons[reason, default: 0] += 1 }
        let counted = status["rejected_by_reason"]?.object
        for (reason, n) in expectedReasons {
            #expect(counted?[reason]?.int64 == n, "reason \(reason)")
        }
        #expect(counted?.members.count == expectedReasons.count)
        // Every reason a message can be refused for is exercised here.
        #expect(Set(expectedReasons.keys).union(duplicateCount > 0 ? ["duplicate"] : []) == Set(RejectionReason.allCases.map(\.rawValue)))

        // Every valid reading is stored exactly once, with the bytes sent.
        let db = try gateway.readOnlyDatabase()
        let rows = try db.prepare("SELECT device, boot, seq, COUNT(*) FROM readings GROUP BY device, boot, seq").rows {
            ("\($0.text(0) ?? "")#\($0.int64(1))#\($0.int64(2))", $0.int64(3))
        }
        #expect(rows.count == validCount)
        #expect(rows.allSatisfy { $0.1 == 1 })
        let expected = Set(plan.filter { $0.expect == .stored }.map { "\($0.device)#\($0.boot)#\($0.seq!)" })
        #expect(Set(rows.map(\.0)) == expected)

        // A confirmed anchor covering everything, then bundles for a sample verify on the node.
        try gateway.waitForStatus(timeout: 90, "a confirmed anchor of the whole log") { s in
            wholeLogAnchored(s)
        }
        let sample = [("dev-0", 1), ("dev-3", 500), ("dev-9", 1000), ("dev-5", 777), ("dev-1", 7), ("dev-2", 1000)]
        for (device, seq) in sample {
            let export = try runVitalgate(["export", "--home", gateway.home, "--device", device, "--seq", String(seq)])
            #expect(export.status == 0, "export \(device) \(seq): \(export.stderr)")
            let file = gateway.directory.file("bundle-\(device)-\(seq).json")
            try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let verify = try runVitalgate(["verify", file, "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile])
            #expect(verify.status == 0, "verify \(device) \(seq): \(verify.stdout)")
            #expect(!verify.stdout.contains("FAIL"))
            // Every step of a reading's bundle with a ledger node (not those of events or consistency files).
            #expect(verify.stdout.components(separatedBy: "PASS").count - 1 == VerificationStep.Name.allCases.count - 2)
        }

        // A one-byte change anywhere in a bundle's data fails verification.
        let bundle = try ProofBundle(json: JSONParser.parse(try String(contentsOfFile: gateway.directory.file("bundle-dev-3-500.json"), encoding: .utf8)))
        #expect(bundle.leafVersion == 2 && bundle.salt?.count == ReadingLeaf.saltByteCount, "new readings have salted leaves")
        let failures = try BundleMutations.probe(bundle)
        #expect(failures.isEmpty, "mutations that still verified: \(failures.prefix(10))")

        // The CLI says which step failed and exits non-zero.
        var json = try JSONParser.parse(try String(contentsOfFile: gateway.directory.file("bundle-dev-0-1.json"), encoding: .utf8))
        var doctored = try ProofBundle(json: json)
        doctored.anchor.txoutProof[20] ^= 0x01
        json = doctored.json
        let bad = gateway.directory.file("doctored.json")
        try json.serialized().write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try runVitalgate(["verify", bad])
        #expect(refused.status != 0)
        #expect(refused.stdout.contains("FAIL  \(VerificationStep.Name.txoutProof.rawValue)"))

        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0, "agent exit: \(gateway.agentLogs().suffix(2000))")
    }
}
