import Foundation
import JSON
import Testing
import TestSupport

/// Issue 16, deliverable 4: a gateway never forks itself (docs/audit.md).
/// Its database is restored from an older copy after the gateway anchored
/// more: the agent refuses to sign and says why and how to recover, and
/// nothing new reaches the chain; the same when the ledger answers only
/// after start. Controls: a plain restart passes the check, and putting back
/// the newest database (the recovery) lets the agent run again.
@Suite(.serialized)
struct ForkGuardTests {
    @Test func aRestoredDatabaseIsRefusedAndNothingIsAnchored() throws {
        let ledger = try LedgerNode(name: "guard")
        defer { ledger.stop() }
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(gatewayID: "guard-gw", settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "2", "confirmations": "1",
        ]), devices: [("ox-1", "pulse-oximeter")])
        defer { gateway.remove() }
        var seq = 0
        func publish(_ n: Int) throws {
            let publisher = try Publisher(port: broker.port)
            defer { publisher.stop() }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try publisher.publish((0..<n).map { _ in
                seq += 1
                return ("vitals/ox-1", Array(#"{"device":"ox-1","seq":\#(seq),"ts":\#(now + Int64(seq)),"spo2":96,"hr":\#(50 + seq)}"#.utf8))
            })
        }
        // Readings 1...seq all stored first: a commit may wait up to commit_window.
        func anchoredAll() throws {
            try gateway.waitForStatus(timeout: 60, "a final anchor of the whole log") { s in
                s["stored"]?.int64 == Int64(seq)
                    && s["tree_size"]?.int64 == s["anchors"]?["last_confirmed"]?["tree_size"]?.int64 && s["anchors"]?["pending"]?.int64 == 0
                    && (s["anchors"]?["last_confirmed"]?["tree_size"]?.int64 ?? 0) > 0
            }
        }
        let database = ["vitalgate.sqlite", "vitalgate.sqlite-wal", "vitalgate.sqlite-shm"]
        func copyDatabase(from: String, to: String) throws {
            try FileManager.default.createDirectory(atPath: to, withIntermediateDirectories: true)
            for name in database {
                try? FileManager.default.removeItem(atPath: "\(to)/\(name)")
                if FileManager.default.fileExists(atPath: "\(from)/\(name)") { try FileManager.default.copyItem(atPath: "\(from)/\(name)", toPath: "\(to)/\(name)") }
            }
        }
        /// This key's anchors on the chain, by txid (the monitor's scan, no evidence).
        func anchorsOnChain() throws -> Set<String> {
            let r = try runVitalgate(["audit", "chain", "--gateway-key", gateway.home + "/gateway.pub", "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile])
            return Set(r.stdout.split(separator: "\n").compactMap { line in
                line.range(of: "anchor txid ").map { String(line[$0.upperBound...].prefix(64)) }
            })
        }
        func mempoolSize() throws -> Int { try ledger.rpc("getrawmempool").array?.count ?? -1 }

        var miner: BlockProducer? = BlockProducer(ledger, interval: 1)
        defer { miner?.stop() }
        try gateway.startAgentAndWaitForBroker()
        try publish(3)
        try anchoredAll()
        gateway.stopAgent()
        let backup = gateway.directory.file("backup")
        try copyDatabase(from: gateway.home, to: backup)

        // Control: a plain restart passes the check, and the gateway grows and anchors on.
        try gateway.startAgentAndWaitForBroker()
        #expect(!gateway.agentLogs().contains("refusing"))
        try publish(3)
        try anchoredAll()
        gateway.stopAgent()
        let newest = gateway.directory.file("newest")
        try copyDatabase(from: gateway.home, to: newest)
        let anchoredBefore = try anchorsOnChain()
        #expect(anchoredBefore.count >= 2)
        miner?.stop()
        miner = nil

        // The older copy back: the agent refuses at start, explains, and signs nothing.
        try copyDatabase(from: backup, to: gateway.home)
        let checkpointsBefore = try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM checkpoints").rows { $0.int64(0) }.first ?? -1
        try gateway.startAgent()
        try waitUntil(timeout: 30, "the agent to refuse and exit") { !(gateway.agent?.isRunning ?? false) }
        #expect(gateway.agent?.terminationStatus != 0)
        let log = gateway.agentLogs()
        #expect(log.contains("refusing to sign or anchor"), "\(log.suffix(2000))")
        #expect(log.contains("restored from an older copy") && log.contains("put back the newest copy"), "\(log.suffix(2000))")
        #expect(anchoredBefore.contains { log.contains($0) }, "the refusal names the anchor it found")
        #expect(try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM checkpoints").rows { $0.int64(0) }.first == checkpointsBefore)

        // The ledger down at start: the agent runs, but once the node answers it refuses to anchor.
        ledger.halt()
        try gateway.startAgentAndWaitForBroker()
        #expect(gateway.agentLogs().contains("nothing is anchored until it has been"))
        try publish(2)
        try ledger.restart()
        try gateway.waitForStatus(timeout: 60, "the ledger check to refuse") { s in s["anchoring"]?["state"]?.string == "refused" }
        let signedThen = try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM checkpoints").rows { $0.int64(0) }.first ?? -1
        try publish(2)
        try gateway.waitForStatus(timeout: 30, "the readings stored") { $0["stored"]?.int64 == 3 + 4 }
        usleep(3_000_000)  // several checkpoint and anchor intervals
        #expect(try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM checkpoints").rows { $0.int64(0) }.first == signedThen,
                "no checkpoint is signed once the ledger contradicts the database")
        #expect(try mempoolSize() == 0, "no anchor sent")
        _ = try ledger.mine(2)
        #expect(try anchorsOnChain() == anchoredBefore, "nothing new anchored")
        #expect(gateway.agentLogs().contains("refusing to sign or anchor"))
        gateway.stopAgent()

        // The recovery: the newest database back, and the agent runs, grows and anchors again.
        try copyDatabase(from: newest, to: gateway.home)
        let recovered = BlockProducer(ledger, interval: 1)
        defer { recovered.stop() }
        try gateway.startAgentAndWaitForBroker()
        seq = 6
        try publish(2)
        try anchoredAll()
        #expect(try anchorsOnChain().isSuperset(of: anchoredBefore))
        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0)
    }
}
