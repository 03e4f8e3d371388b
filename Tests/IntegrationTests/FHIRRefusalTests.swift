import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

@Suite(.serialized)
struct FHIRRefusalTests {
    /// 5xx answers are retried with the same bytes until the clinic commits;
    /// a 4xx about the Bundle is recorded with its body and not sent again,
    /// and the readings after it are still delivered.
    @Test func serverErrorsAreRetriedAndRefusalsAreRecordedOnce() throws {
        let rig = try DeliveryRig(devices: [(id: "ox-1", profile: "pulse-oximeter", patient: "Patient/p1")])
        defer { rig.stop() }
        let device = [(id: "ox-1", profile: "pulse-oximeter")]

        try rig.clinic.failNext([500, 502])
        try rig.publish(device, rounds: 5)
        try rig.waitForObservations(10)
        // The server logs a request after answering it: wait for the log, not just the data.
        try waitUntil(timeout: 15, "three requests logged") { try rig.clinic.requests().count >= 3 }
        let first = try rig.clinic.requests()
        #expect(first.prefix(3).map(\.status) == [500, 502, 200])
        // Each resend is the very Bundle sent before.
        let sent = try first.prefix(3).map { try Data(contentsOf: URL(fileURLWithPath: rig.clinic.bundlePath($0.n))) }
        #expect(sent[0] == sent[1] && sent[1] == sent[2])

        try rig.clinic.failNext([422])
        try rig.publish(device, rounds: 5)
        try waitUntil(timeout: 30, "a refused batch") {
            try rig.database().prepare("SELECT COUNT(*) FROM delivery_batches WHERE state = 'failed'").rows { $0.int64(0) }.first == 1
        }
        try rig.publish(device, rounds: 5)
        let db = try rig.database()
        let refused = try #require(try db.prepare("SELECT id, last_status, last_error, attempts FROM delivery_batches WHERE state = 'failed'")
            .rows { ($0.int64(0), $0.int64(1), $0.text(2) ?? "", $0.int64(3)) }.first)
        #expect(refused.1 == 422)
        #expect(refused.2.contains("OperationOutcome") && refused.2.contains("failure on demand: 422"))
        #expect(refused.3 == 1)
        let failedReadings = try db.prepare("SELECT COUNT(*) FROM deliveries WHERE batch = ? AND state = 'failed'").rows(.integer(refused.0)) { $0.int64(0) }.first ?? 0
        #expect(failedReadings > 0)

        // Everything else arrives; the refused Bundle went out exactly once.
        try rig.waitForObservations(Int(30 - 2 * failedReadings))
        try waitUntil(timeout: 30, "all but the refused readings delivered") {
            try rig.database().prepare("SELECT COUNT(*) FROM deliveries WHERE state = 'delivered'").rows { $0.int64(0) }.first == 15 - failedReadings
        }
        let requests = try rig.clinic.requests()
        let refusedBytes = try requests.filter { $0.status == 422 }.map { try Data(contentsOf: URL(fileURLWithPath: rig.clinic.bundlePath($0.n))) }
        #expect(refusedBytes.count == 1)
        let all = try requests.map { try Data(contentsOf: URL(fileURLWithPath: rig.clinic.bundlePath($0.n))) }
        #expect(all.filter { $0 == refusedBytes.first }.count == 1)
        #expect(try rig.observations().count == Int(30 - 2 * failedReadings))
        #expect(!rig.gateway.agentLogs().contains("failure on demand"), "the clinic's answer body stays out of the log")
    }
}
