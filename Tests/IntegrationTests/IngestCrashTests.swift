import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

/// Issue 3's crash test: resending devices, an agent SIGKILLed at random
/// moments, and afterwards every reading stored exactly once, none lost, and
/// the log verifying.
@Suite(.serialized)
struct IngestCrashTests {
    static let devices = 20
    static let perDevice = 2500   // 50,000 readings
    static let kills = 10

    @Test func fiftyThousandReadingsSurviveTenSigkills() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ids = (0..<Self.devices).map { ("dev-\($0)", TrafficPlan.profiles[$0 % TrafficPlan.profiles.count]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["checkpoint_interval": "1", "checkpoint_every": "5000"]), devices: ids)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()

        // 20 devices at 50 readings/s each: about 50 s of traffic, through the real broker.
        let simulator = try ChildProcess(
            name: "simulate", executable: vitalgateBinary(),
            arguments: ["simulate", "--home", gateway.home, "--mqtt-port", String(broker.port), "--rate", "50",
                        "--count", String(Self.perDevice), "--resend-after", "2", "--ack-timeout", "180", "--boot", "7"],
            logPath: gateway.directory.file("simulator.log"))
        var generator = SystemRandomNumberGenerator()
        for k in 0..<Self.kills {
            usleep(UInt32.random(in: 1_500_000...4_000_000, using: &generator))
            gateway.killAgent()
            usleep(UInt32.random(in: 100_000...800_000, using: &generator))
            try gateway.startAgent()
            #expect(simulator.isRunning || k == Self.kills - 1, "the simulator ended early: \(simulator.output())")
        }
        let status = simulator.waitForExit(timeout: 300)
        #expect(status == 0, "simulator: \(simulator.output().suffix(2000))\nagent: \(gateway.agentLogs().suffix(2000))")
        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0)

        // Exactly once, none lost: every (device, seq) of the run, once.
        let db = try Database(path: gateway.databasePath)
        let rows = try db.prepare("SELECT device, boot, seq, COUNT(*) FROM readings GROUP BY device, boot, seq").rows {
            ("\($0.text(0) ?? "")#\($0.int64(1))#\($0.int64(2))", $0.int64(3))
        }
        let expected = Set(ids.flatMap { id, _ in (1...Self.perDevice).map { "\(id)#7#\($0)" } })
        #expect(rows.count == Self.devices * Self.perDevice)
        #expect(rows.allSatisfy { $0.1 == 1 })
        #expect(Set(rows.map(\.0)) == expected)
        let duplicates = try gateway.status()["duplicates"]?.int64 ?? 0
        print("ingest crash test: \(Self.kills) SIGKILLs, \(rows.count) readings stored once, \(duplicates) resends recognised as duplicates")

        // The log verifies: dense leaves, every checkpoint's root from the leaves, signatures good.
        let leaves = try LogAudit.allLeaves(gateway.databasePath)
        #expect(leaves.keys.sorted() == Array(0..<Int64(leaves.count)))
        try LogAudit.verifyCheckpoints(gateway, leaves: leaves)
        let last = try db.prepare("SELECT MAX(tree_size) FROM checkpoints").rows { $0.int64(0) }.first
        #expect(last == Int64(leaves.count), "the shutdown checkpoint covers the whole log")
    }
}
