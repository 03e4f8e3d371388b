import Foundation
import SQLiteStore
import Testing
import TestSupport

/// The broker's queue holds no vitals on disk (issue 11): the shipped
/// configurations run mosquitto without persistence, and since devices keep
/// and resend every reading until the gateway's end-to-end ack, a broker
/// restart loses nothing.
@Suite(.serialized)
struct SecurityBrokerStoreTests {
    /// Simulated by `vitalgate simulate`, over TLS with their own passwords.
    static let simulated = [("ox-1", "pulse-oximeter"), ("bp-1", "blood-pressure-cuff"), ("th-1", "thermometer")]
    static let boot = 7
    static let perDevice = 60

    /// th-9's readings, published by the test while the agent is stopped, so
    /// that they wait in the broker's queue; their values are distinctive.
    static let markers: [[UInt8]] = (1...3).map { SecureDevice.thermometer(device: "th-9", seq: $0, temp: "38.4\($0)") }

    /// What gives a reading away in a file: each marker payload, its value,
    /// and the keys every reading's JSON carries.
    static let needles = markers.map { String(decoding: $0, as: UTF8.self) }
        + ["\"temp\":38.41", "\"temp\":38.42", "\"temp\":38.43", "\"seq\":", "\"boot\":", "\"spo2\":", "\"sys\":"]

    /// Every file the broker may have written: its own folder (configuration,
    /// logs, a persistence file if any) and the home's `broker/` folder.
    static func brokerFiles(_ setup: SecuredGateway) -> [String] {
        [setup.broker.directory, setup.gateway.home + "/broker"].flatMap { folder in
            (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).map { "\(folder)/\($0)" }
        }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// "file: needle" for every needle found in every broker file.
    static func readingsOnDisk(_ setup: SecuredGateway) -> [String] {
        brokerFiles(setup).flatMap { path in
            let content = bytes(path)
            return needles.filter { content.contains(bytes: Array($0.utf8)) }.map { "\(path): \($0)" }
        }
    }

    /// th-9 publishes the markers and waits until the broker has taken them (PUBACK).
    static func queueMarkers(_ setup: SecuredGateway) throws {
        let device = try setup.device("th-9")
        defer { device.stop() }
        try #require(device.connected, "th-9 could not log in: \(setup.broker.output())")
        for payload in markers { try device.publish("vitals/th-9", payload) }
        try waitUntil(timeout: 10, "the broker to take th-9's readings") { device.acknowledgedByBroker == markers.count }
    }

    @Test func aBrokerRestartWhileDevicesPublishLosesNothingAndLeavesNoReadingOnDisk() throws {
        let setup = try SecuredGateway(devices: Self.simulated + [("th-9", "thermometer")])
        defer { setup.remove() }
        let gateway = setup.gateway
        try gateway.startAgentAndWaitForBroker(setup.agentArguments)
        let simulator = try ChildProcess(name: "simulate", executable: vitalgateBinary(), arguments: [
            "simulate", "--home", gateway.home, "--mqtt-port", String(setup.tlsPort), "--tls-ca", setup.certificates.caFile,
            "--password-dir", setup.passwordDirectory, "--only", Self.simulated.map(\.0).joined(separator: ","),
            "--boot", String(Self.boot), "--rate", "10", "--count", String(Self.perDevice),
            "--resend-after", "1", "--ack-timeout", "90",
        ], logPath: gateway.directory.file("simulate.log"))
        defer { simulator.stop() }
        try gateway.waitForStatus(timeout: 30, "the first readings stored") { ($0["stored"]?.int64 ?? 0) >= 30 }

        // The agent goes away: readings queue in the broker for its
        // persistent session, the markers among them; then the broker stops
        // (SIGTERM, when a persistent broker writes its store) while the
        // devices go on publishing, and starts again on the same port.
        gateway.stopAgent()
        try Self.queueMarkers(setup)
        usleep(1_000_000)  // a second more of simulated readings into the queue
        setup.broker.stop()
        let atStop = Self.readingsOnDisk(setup)
        usleep(1_000_000)  // devices publish while no broker runs
        try setup.broker.restart()
        try gateway.startAgent(setup.agentArguments)

        // th-9 resends its readings until they are acknowledged, as every device does.
        let device = try setup.device("th-9")
        defer { device.stop() }
        try device.client.subscribe("vitals/th-9/ack", qos: 1)
        var lastSent = Date.distantPast
        try waitUntil(timeout: 60, "th-9's readings acknowledged after the restart") {
            if device.acked.isSuperset(of: [1, 2, 3]) { return true }
            if Date().timeIntervalSince(lastSent) >= 2 {
                for payload in Self.markers { try device.publish("vitals/th-9", payload) }
                lastSent = Date()
            }
            return false
        }
        let exit = simulator.waitForExit(timeout: 120)
        let report = simulator.output()
        #expect(exit == 0, "simulate: \(report.suffix(2000))\nagent:\n\(gateway.agentLogs().suffix(2000))")
        // The restart cost the devices resends (what the broker held was gone).
        let resent = report.firstMatch(of: /resent (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(resent > 0, "simulate: \(report.suffix(500))")

        // Every reading stored exactly once, none missing.
        let expected = Set(Self.simulated.flatMap { id, _ in (1...Self.perDevice).map { "\(id)#\(Self.boot)#\($0)" } }
            + (1...Self.markers.count).map { "th-9#1#\($0)" })
        let db = try gateway.readOnlyDatabase()
        let rows = try db.prepare("SELECT device, boot, seq, COUNT(*) FROM readings GROUP BY device, boot, seq").rows {
            ("\($0.text(0) ?? "")#\($0.int64(1))#\($0.int64(2))", $0.int64(3))
        }
        #expect(Set(rows.map(\.0)) == expected, "missing: \(expected.subtracting(rows.map(\.0)).sorted().prefix(20))")
        #expect(rows.allSatisfy { $0.1 == 1 })
        #expect(try db.prepare("SELECT COUNT(*) FROM readings").rows { $0.int64(0) } == [Int64(expected.count)])

        // Nothing the devices published reached a file, at the stop or after.
        #expect(atStop.isEmpty, "\(atStop)")
        #expect(Self.readingsOnDisk(setup).isEmpty, "\(Self.readingsOnDisk(setup))")
        #expect(!Self.brokerFiles(setup).contains { $0.hasSuffix(".db") }, "\(Self.brokerFiles(setup))")
        #expect(Self.brokerFiles(setup).contains { $0.hasSuffix("mosquitto-2.log") }, "the scan must see the restarted broker's log")
    }

    /// Control: with persistence on (the configuration before issue 11), the
    /// same queued readings lie in the clear in the broker's store under the
    /// home's `broker/` folder, so the scan above can fail.
    @Test func withPersistenceOnQueuedReadingsLieInTheClearInTheBrokersStore() throws {
        let setup = try SecuredGateway(devices: [("th-9", "thermometer")], brokerConfig: { home in
            ["persistence true", "persistence_location \(home)/broker/"]
        }, removing: ["persistence"])
        defer { setup.remove() }
        try setup.gateway.startAgentAndWaitForBroker(setup.agentArguments)
        setup.gateway.stopAgent()
        try Self.queueMarkers(setup)
        setup.broker.stop()
        let found = Self.readingsOnDisk(setup)
        for payload in Self.markers {
            let text = String(decoding: payload, as: UTF8.self)
            #expect(found.contains("\(setup.gateway.home)/broker/mosquitto.db: \(text)"), "\(found)")
        }
    }
}
