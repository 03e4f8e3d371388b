import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

/// With the broker configuration the project ships, a burst of 100,000 QoS 1
/// readings reaches the store with none dropped (stock mosquitto's
/// `max_queued_messages 1000` would drop most of a burst like this).
@Suite(.serialized)
struct BurstTests {
    @Test func hundredThousandQoS1ReadingsInABurstAllStored() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ids = (0..<10).map { ("burst-\($0)", TrafficPlan.profiles[$0 % TrafficPlan.profiles.count]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["checkpoint_interval": "5", "checkpoint_every": "50000"]), devices: ids)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var messages: [(topic: String, payload: [UInt8])] = []
        messages.reserveCapacity(100_000)
        for i in 1...10_000 {
            for (d, p) in ids { messages.append(("vitals/\(d)", TrafficPlan.reading(d, p, seq: Int64(i), ts: now, i))) }
        }
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(messages, window: 2000, timeout: 300)
        publisher.stop()
        try gateway.waitForStatus(timeout: 300, "all 100,000 stored") { s in s["stored"]?.int64 == 100_000 }
        let status = try gateway.status()
        #expect(status["rejected"]?.int64 == 0)
        #expect(!broker.output().contains("dropped"), "the broker dropped messages: \(broker.output().suffix(1000))")
        gateway.stopAgent()
        let db = try Database(path: gateway.databasePath)
        #expect(try db.prepare("SELECT COUNT(DISTINCT device || '#' || seq) FROM readings").rows { $0.int64(0) }.first == 100_000)
    }
}
