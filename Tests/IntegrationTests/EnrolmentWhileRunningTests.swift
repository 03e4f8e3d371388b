import Foundation
import JSON
import Testing
import TestSupport

/// Enrolment changes while the agent runs. The network thread validates
/// against a snapshot of enrolment (IngestService), so these check what the
/// snapshot must not change: a device enrolled a moment ago is accepted at
/// once, and a device revoked while it keeps sending is refused within the
/// 10 s refresh, and from then on.
@Suite(.serialized)
struct EnrolmentWhileRunningTests {
    static func reading(_ device: String, seq: Int) -> (topic: String, payload: [UInt8]) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return ("vitals/\(device)", Array("{\"device\":\"\(device)\",\"seq\":\(seq),\"ts\":\(now),\"spo2\":97,\"hr\":70}".utf8))
    }

    @Test func aNewDeviceIsAcceptedAtOnceAndARevokedOneRefusedWithinTheRefresh() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, [:]),
                                         devices: [("ox-1", "pulse-oximeter")])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }

        try publisher.publish([Self.reading("ox-1", seq: 0)])
        try gateway.waitForStatus(timeout: 30, "ox-1's first reading stored") { $0["stored"]?.int64 == 1 }

        // Enrolled while running: its first message is not in the snapshot and
        // must be checked against the database, not refused as unknown.
        let added = try runVitalgate(["device", "add", "ox-new", "--profile", "pulse-oximeter", "--home", gateway.home])
        try #require(added.status == 0, "device add: \(added.stderr)")
        try publisher.publish([Self.reading("ox-new", seq: 0)])
        try gateway.waitForStatus(timeout: 30, "ox-new's reading stored") { $0["stored"]?.int64 == 2 }
        #expect(try gateway.status()["rejected"]?.int64 == 0, "nothing refused so far")

        // Revoked while it keeps sending (one reading every 100 ms).
        let revoked = try runVitalgate(["device", "revoke", "ox-1", "--home", gateway.home])
        try #require(revoked.status == 0, "device revoke: \(revoked.stderr)")
        let revokedAt = Date()
        var seq = 1
        var refusedAfter: Double?
        while Date().timeIntervalSince(revokedAt) < 25 {
            try publisher.publish([Self.reading("ox-1", seq: seq)])
            seq += 1
            Thread.sleep(forTimeInterval: 0.1)
            if try (gateway.status()["rejected_by_reason"]?["revoked_device"]?.int64 ?? 0) > 0 {
                refusedAfter = Date().timeIntervalSince(revokedAt)
                break
            }
        }
        let after = try #require(refusedAfter, "a reading of the revoked device was refused")
        #expect(after < 15, "refused \(after) s after the revocation (refresh every 10 s)")
        // From then on every reading of the revoked device is refused.
        let storedBefore = try gateway.status()["stored"]?.int64 ?? -1
        try publisher.publish((0..<20).map { Self.reading("ox-1", seq: seq + $0) })
        try gateway.waitForStatus(timeout: 30, "the 20 later readings refused") { s in
            (s["rejected_by_reason"]?["revoked_device"]?.int64 ?? 0) >= 21
        }
        #expect(try gateway.status()["stored"]?.int64 == storedBefore, "nothing of the revoked device stored after the refusal")
    }
}
