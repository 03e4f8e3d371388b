import Codecs
import Foundation
import JSON
import Merkle
import SQLiteStore
import Sodium
import Testing
import Vitals
import TestSupport

/// A gateway delivering to the test clinic server: broker, agent, clinic,
/// all real processes on free loopback ports.
final class DeliveryRig: @unchecked Sendable {
    let broker: Broker
    let clinic: ClinicServer
    let gateway: GatewayFixture
    let publisher: Publisher
    var seqs: [String: UInt64] = [:]

    /// `ledger` nil points the agent at a closed port: anchoring fails and retries, delivery goes on.
    init(devices: [(id: String, profile: String, patient: String)], ledger: LedgerNode? = nil, batch: Int = 20,
         settings extra: [String: String] = [:], agentArguments: [String] = []) throws {
        broker = try Broker()
        publisher = try Publisher(port: broker.port)
        clinic = try ClinicServer()
        let spare = try TemporaryDirectory("vitalgate-cookie")
        try "user:password".write(toFile: spare.file(".cookie"), atomically: true, encoding: .utf8)
        gateway = try GatewayFixture(settings: [
            "mqtt_port": String(broker.port),
            "ledger_url": ledger?.url ?? "http://127.0.0.1:\(try freeLoopbackPort())",
            "ledger_cookie": ledger?.cookieFile ?? spare.file(".cookie"),
            "checkpoint_interval": "1", "anchor_interval": "1", "confirmations": "1",
            "clinic_url": clinic.url, "delivery_batch": String(batch), "delivery_retry_cap": "2", "delivery_timeout": "5",
        ].merging(extra) { _, new in new }, devices: devices.map { ($0.id, $0.profile) })
        for d in devices { try assign(d.id, d.patient) }
        try gateway.startAgentAndWaitForBroker(agentArguments)
    }

    func assign(_ device: String, _ patient: String?) throws {
        let args = ["device", "assign", device, "--home", gateway.home] + (patient.map { ["--patient", $0] } ?? ["--none"])
        let r = try runVitalgate(args)
        guard r.status == 0 else { throw HarnessError("device assign failed: \(r.stderr)") }
    }

    /// Publishes `rounds` readings per device; values by profile, `ts` one second apart from now.
    func publish(_ devices: [(id: String, profile: String)], rounds: Int) throws {
        var messages: [(topic: String, payload: [UInt8])] = []
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for round in 0..<rounds {
            for d in devices {
                let seq = (seqs[d.id] ?? 0) + 1
                seqs[d.id] = seq
                let values: String = switch d.profile {
                case "pulse-oximeter": #""spo2":\#(94 + round % 5),"hr":\#(60 + round % 30)"#
                case "blood-pressure-cuff": #""sys":\#(110 + round % 20),"dia":\#(70 + round % 10),"hr":\#(60 + round % 20)"#
                case "thermometer": #""temp":36.\#(round % 10)"#
                default: #""hr":\#(70 + round % 20),"rr":\#(12 + round % 6),"spo2":\#(95 + round % 4)"#
                }
                messages.append(("vitals/\(d.id)", Array(#"{"device":"\#(d.id)","seq":\#(seq),"ts":\#(now - 60_000 + Int64(seq) * 10),\#(values)}"#.utf8)))
            }
        }
        try publisher.publish(messages)
    }

    func database() throws -> Database {
        try gateway.readOnlyDatabase()
    }

    /// Observations the clinic created.
    func observations() throws -> [JSONValue] {
        try clinic.created().filter { $0.id.hasPrefix("Observation/") }.map(\.resource)
    }

    func waitForObservations(_ count: Int, timeout: Double = 60) throws {
        do {
            try waitUntil(timeout: timeout, "\(count) Observations at the clinic") { try observations().count >= count }
        } catch {
            throw HarnessError("\(error): have \(try observations().count)\nagent log:\n\(gateway.agentLogs().suffix(3000))\nclinic:\n\(clinic.output().suffix(2000))")
        }
    }

    func stop() {
        publisher.stop()
        gateway.remove()
        clinic.remove()
        broker.stop()
    }
}

/// What a clinic does with a received Bundle to trust it (docs/fhir.md,
/// "Checking a delivery"): rebuild the signed bytes from the Provenance and
/// the Observations it targets, check the Ed25519 signature with the gateway key.
enum ProvenanceCheck {
    struct Checked {
        let entities: [String]
        let targets: [String]
    }

    static func verify(bundle: JSONValue, publicKey: Ed25519PublicKey) throws -> Checked {
        let entries = bundle["entry"]?.array ?? []
        guard let provenance = entries.first(where: { $0["resource"]?["resourceType"]?.string == "Provenance" })?["resource"] else {
            throw HarnessError("no Provenance in the Bundle")
        }
        var byURL: [String: JSONValue] = [:]
        for e in entries { byURL[e["fullUrl"]?.string ?? ""] = e["resource"] }
        let entities = (provenance["entity"]?.array ?? []).map { e in
            "\(e["what"]?["identifier"]?["system"]?.string ?? "")|\(e["what"]?["identifier"]?["value"]?.string ?? "")"
        }
        let targets = try (provenance["target"]?.array ?? []).map { t -> String in
            guard let o = byURL[t["reference"]?.string ?? ""], let id = o["identifier"]?.array?.first else { throw HarnessError("target not in the Bundle") }
            return "\(id["system"]?.string ?? "")|\(id["value"]?.string ?? "")"
        }
        let gateway = provenance["agent"]?.array?.first?["who"]?["identifier"]?["value"]?.string ?? ""
        var text = "vitalgate-fhir-provenance-v1\ngateway \(gateway)\nrecorded \(provenance["recorded"]?.string ?? "")\n"
        text += entities.map { "entity \($0)\n" }.joined() + targets.map { "target \($0)\n" }.joined()
        guard let signature = provenance["signature"]?.array?.first?["data"]?.string.flatMap(Base64.decode),
              publicKey.isValidSignature(signature, for: Array(text.utf8)) else {
            throw HarnessError("Provenance signature does not verify")
        }
        return Checked(entities: entities, targets: targets)
    }
}

func parseLarge(_ path: String) throws -> JSONValue {
    var limits = JSONParser.Limits()
    limits.maxBytes = 64 << 20
    limits.maxDepth = 64
    return try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), limits: limits)
}

@Suite(.serialized)
struct FHIRDeliveryTests {
    /// Issue 6's acceptance: the clinic goes down, readings pile up, the
    /// clinic comes back and its first answer is lost; afterwards every
    /// reading is there once, in log order, each Bundle valid and signed.
    @Test func clinicOutageLosesNothingAndCreatesNothingTwice() throws {
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        let devices = [("ox-1", "pulse-oximeter", "Patient/p1"), ("bp-1", "blood-pressure-cuff", "Patient/p2"), ("th-1", "thermometer", "Patient/p3")]
        let rig = try DeliveryRig(devices: devices.map { (id: $0.0, profile: $0.1, patient: $0.2) }, ledger: ledger)
        defer { rig.stop() }
        let kinds = devices.map { (id: $0.0, profile: $0.1) }
        // Per round: 2 (SpO2, heart rate) + 2 (BP panel, heart rate) + 1 (temperature).
        try rig.publish(kinds, rounds: 10)
        try rig.waitForObservations(50)

        rig.clinic.stop()
        try rig.publish(kinds, rounds: 20)
        try waitUntil(timeout: 30, "failed delivery attempts while the clinic is down") {
            try rig.database().prepare("SELECT COUNT(*) FROM delivery_batches WHERE state = 'pending' AND attempts >= 2 AND last_status IS NULL")
                .rows { $0.int64(0) }.first ?? 0 > 0
        }
        try rig.clinic.failNext([503], commitFirst: true)  // the first answer after the outage is lost
        try rig.clinic.start()
        try rig.waitForObservations(150)
        try waitUntil(timeout: 30, "every reading marked delivered") {
            try rig.database().prepare("SELECT COUNT(*) FROM deliveries WHERE state = 'delivered'").rows { $0.int64(0) }.first == 90
        }

        // Nothing twice, nothing lost, in log order.
        let db = try rig.database()
        var leafOf: [String: Int64] = [:]
        for (device, boot, seq, leaf) in try db.prepare("SELECT device, boot, seq, leaf_index FROM readings").rows(map: { ($0.text(0) ?? "", $0.int64(1), $0.int64(2), $0.int64(3)) }) {
            leafOf["\(device)/\(boot)/\(seq)"] = leaf
        }
        let identifiers = try rig.observations().compactMap { $0["identifier"]?.array?.first?["value"]?.string }
        #expect(identifiers.count == 150)
        #expect(Set(identifiers).count == 150)
        let leaves = identifiers.map { id in leafOf[id.split(separator: "/").dropFirst().prefix(3).joined(separator: "/")] ?? -1 }
        #expect(!leaves.contains(-1))
        #expect(leaves == leaves.sorted(), "Observations were created out of log order")
        #expect(Set(leaves).count == 90)

        // The lost answer made the agent resend; the resend created nothing (one Provenance per delivered batch).
        let requests = try rig.clinic.requests()
        #expect(requests.contains { $0.status == 503 })
        let batches = try db.prepare("SELECT COUNT(*) FROM delivery_batches WHERE state = 'delivered'").rows { $0.int64(0) }.first ?? 0
        #expect(try rig.clinic.created().filter { $0.id.hasPrefix("Provenance/") }.count == Int(batches))
        #expect(requests.filter { $0.status == 200 }.count == Int(batches))

        // Every Bundle received validates independently and its signature verifies with the gateway key.
        let validation = try validateFHIR(requests.map { rig.clinic.bundlePath($0.n) })
        #expect(validation.status == 0, "\(validation.output.suffix(3000))")
        let keyHex = try db.prepare("SELECT value FROM meta WHERE key = 'public_key'").rows { $0.text(0) ?? "" }.first ?? ""
        let key = try #require(Ed25519PublicKey(bytes: Hex.decode(keyHex) ?? []))
        var anchored = 0
        let sealed = try SealedLeaves(home: rig.gateway.home)
        for request in requests {
            let checked = try ProvenanceCheck.verify(bundle: parseLarge(rig.clinic.bundlePath(request.n)), publicKey: key)
            // The checkpoint named is one the gateway signed, and covers every leaf named; leaves hash the stored readings.
            let checkpoint = try #require(checked.entities.first { $0.hasPrefix("urn:vitalgate:checkpoint|") }).split(separator: "/")
            let size = Int64(checkpoint[checkpoint.count - 2]) ?? -1
            let root = try db.prepare("SELECT root FROM checkpoints WHERE tree_size = ?").rows(.integer(size)) { $0.blob(0) ?? [] }.first
            #expect(root.map { Hex.encode($0) } == String(checkpoint.last!))
            for leaf in checked.entities.filter({ $0.hasPrefix("urn:vitalgate:leaf|") }) {
                let parts = leaf.split(separator: "/")
                let index = Int64(parts[parts.count - 2]) ?? -1
                #expect(index < size)
                let row = try #require(try db.prepare("SELECT leaf, device, boot, seq, ts FROM readings WHERE leaf_index = ?").rows(.integer(index)) {
                    ($0.blob(0) ?? [], $0.text(1) ?? "", $0.int64(2), $0.int64(3), $0.int64(4))
                }.first)
                let data = try sealed.open(row.0, index: index, device: row.1, boot: row.2, seq: row.3, ts: row.4)
                #expect(RFC9162.hashLeaf(data).hex == String(parts.last!))
            }
            // As the clinic would (docs/fhir.md): each Observation's leaf data hashes to a leaf the
            // signed Provenance names, and is the reading the Observation reports.
            let named = Set(checked.entities.filter { $0.hasPrefix("urn:vitalgate:leaf|") }.map { String($0.split(separator: "/").last!) })
            let bundle = try parseLarge(rig.clinic.bundlePath(request.n))
            for entry in bundle["entry"]?.array ?? [] where entry["resource"]?["resourceType"]?.string == "Observation" {
                let observation = try #require(entry["resource"])
                let ext = observation["extension"]?.array?.first { $0["url"]?.string == "urn:vitalgate:leaf-data" }
                let data = try #require(ext?["valueBase64Binary"]?.string.flatMap(Base64.decode), "an Observation without its leaf")
                #expect(named.contains(RFC9162.hashLeaf(data).hex), "an Observation's leaf is not named by its Provenance")
                let leaf = try ReadingLeaf(bytes: data)
                #expect(leaf.version == 2, "new readings are delivered with salted leaves")
                let id = observation["identifier"]?.array?.first?["value"]?.string ?? ""
                #expect(id.hasPrefix("test-gw/\(leaf.reading.device)/\(leaf.reading.boot)/\(leaf.reading.seq)/"))
                if let value = observation["valueQuantity"]?["value"]?.number?.text {
                    #expect(leaf.reading.metrics.contains { $0.value.description == value }, "the Observation's value is not in its leaf")
                }
            }
            if let anchor = checked.entities.first(where: { $0.hasPrefix("urn:vitalgate:anchor|") }) {
                anchored += 1
                let txid = String(anchor.dropFirst("urn:vitalgate:anchor|".count))
                #expect(try db.prepare("SELECT tree_size FROM anchors WHERE txid = ?").rows(.text(txid)) { $0.int64(0) }.first == size)
            }
        }
        #expect(anchored > 0, "readings delivered after an anchor existed name it")
        // A Bundle changed after signing fails the check.
        let text = try parseLarge(rig.clinic.bundlePath(requests.last!.n)).serialized()
        let bent = try JSONParser.parse(text.replacingOccurrences(of: #""recorded":"20"#, with: #""recorded":"19"#),
                                        limits: { var l = JSONParser.Limits(); l.maxBytes = 64 << 20; l.maxDepth = 64; return l }())
        #expect(bent.serialized() != text)
        #expect(throws: HarnessError.self) { try ProvenanceCheck.verify(bundle: bent, publicKey: key) }
    }
}
