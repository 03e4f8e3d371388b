import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

/// A flood of garbage cannot fill the disk: the record of rejections keeps
/// the newest `rejections_kept`, and what it drops is still counted.
@Suite(.serialized)
struct RejectionRecordTests {
    @Test func floodOfGarbageKeepsTheRecordBoundedAndCounted() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["rejections_kept": "100"]), devices: [("ox-1", "pulse-oximeter")])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let garbage: [(topic: String, payload: [UInt8])] = (0..<2000).map { i in
            i % 2 == 0 ? ("vitals/ox-1", Array("{\"device\":\"ox-1\",\"seq\":\(i),".utf8)) : ("vitals/nobody-\(i)", Array("{}".utf8))
        }
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(garbage)
        publisher.stop()
        try gateway.waitForStatus(timeout: 60, "2,000 rejections counted") { s in s["rejected"]?.int64 == 2000 }
        let status = try gateway.status()
        #expect(status["rejected_by_reason"]?["invalid_json"]?.int64 == 1000)
        #expect(status["rejected_by_reason"]?["unknown_device"]?.int64 == 1000)
        #expect(status["rejections_dropped_from_record"]?.int64 == 1900)
        #expect(status["stored"]?.int64 == 0)
        gateway.stopAgent()
        let db = try Database(path: gateway.databasePath)
        #expect(try db.prepare("SELECT COUNT(*) FROM rejections").rows { $0.int64(0) }.first == 100)
        // The record never holds payload bytes: only reason, detail, topic and device.
        let details = try db.prepare("SELECT detail FROM rejections").rows { $0.text(0) ?? "" }
        #expect(!details.contains { $0.contains("\"seq\"") })
    }
}
