import Foundation
import JSON
import Merkle
import SHA2
import SQLiteStore
import SignedNote
import Sodium
import Testing
import TestSupport

/// SIGKILL mid-stream: nothing committed is lost, the log still verifies,
/// anchoring goes on (issue 2's acceptance).
@Suite(.serialized)
struct CrashRecoveryTests {
    @Test func sigkillMidStreamLosesNothingCommitted() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let devices = (0..<4).map { ("crash-\($0)", TrafficPlan.profiles[$0]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "checkpoint_every": "500", "anchor_interval": "1", "confirmations": "1",
        ]), devices: devices)
        defer { gateway.remove() }
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        try gateway.startAgentAndWaitForBroker()

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var next = 1
        func publishRound(_ n: Int) throws {
            let publisher = try Publisher(port: broker.port)
            defer { publisher.stop() }
            var batch: [(topic: String, payload: [UInt8])] = []
            for i in next..<(next + n) {
                for (d, p) in devices { batch.append(("vitals/\(d)", TrafficPlan.reading(d, p, seq: Int64(i), ts: now, i))) }
            }
            next += n
            try publisher.publish(batch)
        }

        var committedBefore: [Int64: [UInt8]] = [:]
        for round in 0..<3 {
            try publishRound(400)
            // Let the agent work for a moment, then kill it while it may be mid-batch.
            try gateway.waitForStatus(timeout: 30, "agent storing (round \(round))") { s in
                (s["stored"]?.int64 ?? 0) > Int64(committedBefore.count)
            }
            gateway.killAgent()
            let committed = try LogAudit.allLeaves(gateway.databasePath)
            // Everything committed before earlier kills is still there, unchanged.
            for (index, leaf) in committedBefore { #expect(committed[index] == leaf, "leaf \(index) changed or vanished") }
            #expect(committed.count >= committedBefore.count)
            committedBefore = committed
            try gateway.startAgentAndWaitForBroker()
        }
        try publishRound(200)

        // The log verifies: every signed checkpoint's root equals the root of the stored leaves.
        try gateway.waitForStatus(timeout: 60, "a confirmed anchor after the kills") { s in
            (s["anchors"]?["last_confirmed"]?["tree_size"]?.int64 ?? 0) >= Int64(committedBefore.count)
        }
        let all = try LogAudit.allLeaves(gateway.databasePath)
        for (index, leaf) in committedBefore { #expect(all[index] == leaf) }
        #expect(all.keys.sorted() == Array(0..<Int64(all.count)), "leaf indices are dense")
        try LogAudit.verifyCheckpoints(gateway, leaves: all)

        // The first reading stored, before the first kill, still exports and verifies on the node.
        let db = try Database(path: gateway.databasePath)
        let first = try #require(try db.prepare("SELECT device, seq FROM readings ORDER BY leaf_index LIMIT 1").rows { ($0.text(0) ?? "", $0.int64(1)) }.first)
        let export = try runVitalgate(["export", "--home", gateway.home, "--device", first.0, "--seq", String(first.1)])
        #expect(export.status == 0, "\(export.stderr)")
        let file = gateway.directory.file("crash-bundle.json")
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try runVitalgate(["verify", file, "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile])
        #expect(verify.status == 0, "\(verify.stdout)")
        gateway.stopAgent()
    }
}
