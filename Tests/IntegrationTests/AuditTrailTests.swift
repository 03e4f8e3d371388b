import Threads
import Foundation
import JSON
import ProofBundle
import Sodium
import Testing
import TestSupport

/// Issue 16, deliverable 1: every access is a leaf of the log (docs/audit.md).
/// A gateway with a real broker, regtest ledger and clinic server; commands
/// run while the agent holds the log, so each event is recorded by the
/// command and appended by the agent; some are recorded while it is stopped.
@Suite(.serialized)
struct AuditTrailTests {
    static let patientBeta = "Patient/beta-19c4e"
    static let recipient = "audit-request-4711"

    @Test func everyAccessKindIsALeafCoveredLikeAReading() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let clinic = try ClinicServer()
        defer { clinic.stop(); clinic.remove() }
        let gateway = try GatewayFixture(gatewayID: "trail-gw", settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "2", "confirmations": "1",
            "clinic_url": clinic.url, "delivery_batch": "5", "delivery_retry_cap": "2", "delivery_timeout": "5",
        ]), devices: [("ox-1", "pulse-oximeter")])
        defer { gateway.remove() }
        let provisioned = try String(contentsOfFile: gateway.home + "/gateway.pub", encoding: .utf8).prefix(64)

        // Before any agent: the enrolment and an assignment wait in audit_pending, sealed.
        try gatewayCommand(gateway, ["device", "assign", "ox-1", "--patient", "Patient/alpha-7f3"])
        #expect(try WholeLog.pendingCount(gateway) == 2 && WholeLog.eventCount(gateway) == 0)
        try gateway.startAgentAndWaitForBroker()
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        // The agent appends them at start, after it records its settings (the first record of them).
        try waitUntil(timeout: 20, "the pending events appended") { try WholeLog.pendingCount(gateway) == 0 && WholeLog.eventCount(gateway) == 3 }

        // While the agent runs: enrolment with a patient, unassignment, revocation.
        try gatewayCommand(gateway, ["device", "add", "ox-2", "--profile", "pulse-oximeter", "--patient", Self.patientBeta])
        try gatewayCommand(gateway, ["device", "assign", "ox-2", "--none"])
        try gatewayCommand(gateway, ["device", "revoke", "ox-2"])

        // Deliveries: a batch the clinic commits, then one it refuses.
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        var seq = 0
        func publish(_ n: Int) throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try publisher.publish((0..<n).map { _ in
                seq += 1
                return ("vitals/ox-1", Array(#"{"device":"ox-1","seq":\#(seq),"ts":\#(now - 5000 + Int64(seq)),"spo2":97,"hr":\#(60 + seq % 40)}"#.utf8))
            })
        }
        func batches(_ state: String) throws -> Int64 {
            try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM delivery_batches WHERE state = ?").rows(.text(state)) { $0.int64(0) }.first ?? 0
        }
        try publish(5)
        try waitUntil(timeout: 60, "a delivered batch") { try batches("delivered") >= 1 }
        try clinic.failNext([400])
        try publish(5)
        try waitUntil(timeout: 60, "a refused batch") { try batches("failed") >= 1 }

        // Many commands at once while readings stream in: the agent appends every
        // event once, in the order recorded; the log stays one consistent tree.
        func assignments() throws -> Int64 {
            try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM audit_events WHERE type = 'device-assign'").rows { $0.int64(0) }.first ?? 0
        }
        let before = try assignments()
        let failures = LockedBox<[String]>([])
        let commands = DispatchGroup()
        let home = gateway.home
        DispatchQueue.global().async(group: commands) {
            DispatchQueue.concurrentPerform(iterations: 8) { i in
                let patient = i % 2 == 0 ? "Patient/alpha-7f3" : "Patient/gamma-\(i)"
                guard let r = try? runVitalgate(["device", "assign", "ox-1", "--patient", patient, "--home", home]), r.status == 0 else {
                    failures.withLock { $0.append("assign \(i)") }
                    return
                }
            }
        }
        try publish(200)
        commands.wait()
        let failed = failures.withLock { $0 }
        #expect(failed.isEmpty, "\(failed)")
        try gateway.waitForStatus(timeout: 60, "all \(seq) readings stored") { $0["stored"]?.int64 == Int64(seq) }
        try waitUntil(timeout: 20, "8 assignments appended") { try assignments() == before + 8 }

        // Exports, once an anchor covers what they export.
        try gateway.waitForStatus(timeout: 60, "a final anchor of the first readings") { ($0["anchors"]?["last_confirmed"]?["tree_size"]?.int64 ?? 0) >= 12 }
        try gatewayCommand(gateway, ["export", "--device", "ox-1", "--seq", "1", "--for", Self.recipient])
        let fhir = try gatewayCommand(gateway, ["export", "--fhir", "--device", "ox-1"])
        #expect(!fhir.stdout.isEmpty)

        // Control: reading commands leave no trace (they show no patient data, or none at all).
        try gateway.waitForStatus(timeout: 60, "every reading delivered or refused") { s in
            (s["delivery"]?["delivered"]?.int64 ?? 0) + (s["delivery"]?["failed"]?.int64 ?? 0) == Int64(seq)
        }
        try waitUntil(timeout: 20, "the exports appended") { try WholeLog.pendingCount(gateway) == 0 }
        let quiet = try WholeLog.eventCount(gateway)
        for arguments in [["device", "list"], ["device", "show", "ox-1"], ["status"], ["audit", "trail"]] { try gatewayCommand(gateway, arguments) }
        usleep(2_500_000)  // more than two append polls of the agent
        #expect(try WholeLog.eventCount(gateway) == quiet && WholeLog.pendingCount(gateway) == 0, "commands that export nothing recorded events")

        // With the agent stopped: an export waits, then rotate-key appends it before its own leaf.
        gateway.stopAgent()
        try gatewayCommand(gateway, ["export", "--device", "ox-1", "--seq", "2"])
        #expect(try WholeLog.pendingCount(gateway) == 1)
        try gatewayCommand(gateway, ["rotate-key"])
        #expect(try WholeLog.pendingCount(gateway) == 0)
        // Restarted with another setting: a settings change.
        try gateway.startAgentAndWaitForBroker(["--checkpoint-every", "999"])
        try publish(3)
        try gateway.waitForStatus(timeout: 60, "a final anchor of the whole log") { s in
            try s["stored"]?.int64 == Int64(seq) && (s["delivery"]?["delivered"]?.int64 ?? 0) + (s["delivery"]?["failed"]?.int64 ?? 0) == Int64(seq)
                && s["tree_size"]?.int64 == s["anchors"]?["last_confirmed"]?["tree_size"]?.int64 && WholeLog.pendingCount(gateway) == 0
        }

        // The trail: every kind, numbered 1, 2, 3, ... in log order, each with a bundle.
        let trail = try WholeLog.trail(gateway)
        let events = trail.filter { $0["type"]?.string != KeyRotation.type }
        let types = Set(trail.compactMap { $0["type"]?.string })
        #expect(types == Set(AccessEvent.Kind.allCases.filter { $0 != .unreadable }.map(\.rawValue) + [KeyRotation.type]), "\(types.sorted())")
        #expect(events.compactMap { $0["event"]?["number"]?.int64 } == (1...Int64(events.count)).map { $0 }, "numbers in log order, no gap")
        #expect(events.allSatisfy { $0["bundle"]?.object != nil }, "every event anchored and proven")
        func first(_ type: AccessEvent.Kind, where condition: (JSONValue) -> Bool = { _ in true }) -> JSONValue? {
            events.first { $0["type"]?.string == type.rawValue && condition($0["event"] ?? .null) }?["event"]
        }
        let me = AccessTrailActor.name
        #expect(first(.deviceEnrol) { $0["device"]?.string == "ox-2" }?["patient"]?.string == Self.patientBeta)
        #expect(first(.deviceEnrol) { $0["device"]?.string == "ox-2" }?["actor"]?.string == me)
        #expect(first(.deviceUnassign)?["device"]?.string == "ox-2" && first(.deviceRevoke)?["device"]?.string == "ox-2")
        #expect(first(.exportBundle) { $0["reading_seq"]?.int64 == 1 }?["for"]?.string == Self.recipient)
        #expect((first(.exportFHIR)?["observations"]?.int64 ?? 0) > 0)
        #expect(first(.delivery) { $0["outcome"]?.string == "delivered" }?["readings"]?.int64 == 5)
        #expect(first(.delivery) { $0["outcome"]?.string == "refused" }?["status"]?.int64 == 400)
        #expect(first(.delivery)?["clinic"]?.string == clinic.url)
        #expect(first(.configChange) { $0["first"]?.int64 == 1 } != nil)
        #expect(first(.configChange) { $0["changed"]?.string == "checkpoint_every" } != nil, "the restart's change")
        let rotation = try #require(trail.first { $0["type"]?.string == KeyRotation.type }?["leaf_index"]?.int64)
        let stoppedExport = try #require(events.first { $0["type"]?.string == "export-bundle" && $0["event"]?["reading_seq"]?.int64 == 2 }?["leaf_index"]?.int64)
        #expect(stoppedExport < rotation, "an event recorded before a rotation comes before its leaf")

        // A bundle of an access event verifies on the node, pinned to the provisioned key.
        let revoke = try #require(events.first { $0["type"]?.string == "device-revoke" }?["bundle"])
        let file = gateway.directory.file("revoke.json")
        try revoke.serialized(pretty: true).write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try runVitalgate(["verify", file, "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile, "--gateway-key", String(provisioned)])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("PASS  \(VerificationStep.Name.event.rawValue)"))
        #expect(!verify.stdout.contains("NOT PINNED"))
        // And `export --leaf` gives the same bundle for it.
        let leaf = try #require(revoke["leaf_index"]?.int64)
        let exported = try gatewayCommand(gateway, ["export", "--leaf", String(leaf)])
        #expect(try ProofBundle(json: JSONParser.parse(exported.stdout)).leaf == ProofBundle(json: revoke).leaf)
        // Every change to the event, its salt, leaf or index fails.
        let survivors = try EventBundleMutations.probe(try ProofBundle(json: revoke))
        #expect(survivors.isEmpty, "mutations that still verified: \(survivors.prefix(10))")

        gateway.stopAgent()
        #expect(gateway.agent?.terminationStatus == 0)
        // The whole log: one tree, every checkpoint its root, leaves 0..<n once each.
        let leaves = try WholeLog.leaves(gateway)
        // Readings, the events listed, the rotation, and the `export --leaf` made after the listing.
        #expect(leaves.count == seq + events.count + 1 + 1)
        #expect(try WholeLog.verifyCheckpoints(gateway, leaves: leaves) > 0)
        // At rest: the patient named in an event and the export's recipient are nowhere in the clear.
        for path in [gateway.databasePath, gateway.databasePath + "-wal"] {
            let content = bytes(path)
            #expect(!content.contains(bytes: Array(Self.patientBeta.utf8)), "\(path) holds a patient reference in the clear")
            #expect(!content.contains(bytes: Array(Self.recipient.utf8)), "\(path) holds an event in the clear")
        }
    }
}

/// The user the tests run as, as the trail names it.
enum AccessTrailActor {
    static var name: String {
        let user = NSUserName()
        guard let sudo = ProcessInfo.processInfo.environment["SUDO_USER"], !sudo.isEmpty, sudo != user else { return user }
        return "\(user) (sudo by \(sudo))"
    }
}

/// A value behind a lock, for tests that gather results from threads.
/// Mutation probes on an access event's bundle: a changed byte of the leaf or
/// salt, another event field or number, another leaf index must all fail.
enum EventBundleMutations {
    static func probe(_ original: ProofBundle) throws -> [String] {
        guard case .event(let event) = original.entry else { return ["not an event bundle"] }
        return try BundleMutations.survivors(of: original) { check in
            for i in original.leaf.indices { check("leaf[\(i)]") { $0.leaf[i] ^= 0x01 } }
            for i in original.salt!.indices { check("salt[\(i)]") { $0.salt![i] ^= 0x01 } }
            check("salt dropped") { $0.salt = nil }
            check("leaf_index+1") { $0.leafIndex += 1 }
            check("number+1") { $0.entry = .event(AccessEvent(type: event.type, gateway: event.gateway, number: event.number + 1, ts: event.ts, details: event.details)) }
            check("ts+1") { $0.entry = .event(AccessEvent(type: event.type, gateway: event.gateway, number: event.number, ts: event.ts + 1, details: event.details)) }
            check("type") { $0.entry = .event(AccessEvent(type: "device-enrol", gateway: event.gateway, number: event.number, ts: event.ts, details: event.details)) }
            check("gateway") { $0.entry = .event(AccessEvent(type: event.type, gateway: event.gateway + "x", number: event.number, ts: event.ts, details: event.details)) }
            for key in event.details.keys {
                check("detail \(key) dropped") {
                    var d = event.details
                    d[key] = nil
                    $0.entry = .event(AccessEvent(type: event.type, gateway: event.gateway, number: event.number, ts: event.ts, details: d))
                }
            }
            check("detail added") {
                var d = event.details
                d["patient"] = .string("Patient/x")
                $0.entry = .event(AccessEvent(type: event.type, gateway: event.gateway, number: event.number, ts: event.ts, details: d))
            }
        }
    }
}
