import Codecs
import Foundation
import JSON
import Merkle
import ProofBundle
import SQLiteStore
import Testing
import TestSupport

/// Issue 14's storage rules with every part real (docs/storage.md): a
/// reading's payload goes only once the clinic has it, a final anchor
/// covers it and it is past the retention; over the storage budget with
/// nothing that may go, the agent stops acknowledging, loses nothing and
/// resumes by itself.
@Suite(.serialized)
struct RetentionTests {
    /// One gateway, the rules one at a time: each phase makes one rule fail
    /// for the newest readings and checks that exactly the readings meeting
    /// all three went, over at least two storage passes.
    @Test func aReadingIsPrunedOnlyOnceDeliveredAnchoredAndPastTheRetention() throws {
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        var miner: BlockProducer? = BlockProducer(ledger, interval: 1)
        defer { miner?.stop() }
        let devices = [(id: "ox-1", profile: "pulse-oximeter", patient: "Patient/p1"), (id: "th-1", profile: "thermometer", patient: "Patient/p2")]
        let pairs = devices.map { (id: $0.id, profile: $0.profile) }
        let debug = ["--log-level", "debug"]
        let rig = try DeliveryRig(devices: devices, ledger: ledger, batch: 50,
                                  settings: ["confirmations": "2", "anchor_interval": "1", "checkpoint_interval": "1"], agentArguments: debug)
        defer { rig.stop() }

        // Access events share the log (enrolments, settings, one per delivery batch, docs/audit.md),
        // so readings are not leaves 0, 1, 2, ...: each phase notes where its readings ended.
        // 1. Inside the retention (30 days): delivered and anchored, every reading is kept.
        try rig.publish(pairs, rounds: 150)  // 300 readings: one full tile and part of the next
        try waitUntil(rig, "300 readings delivered and anchored") { try delivered(rig, count: 300) && anchored(rig) > lastReadingLeaf(rig) }
        let end1 = try lastReadingLeaf(rig)
        try waitForPasses(rig.gateway, 2)
        #expect(try storage(rig.gateway) == (held: 300, pruned: 0), "inside the retention")

        // 2. Retention 0; the clinic is down: the new readings are anchored, not delivered.
        rig.gateway.stopAgent()
        try setSetting(rig.gateway, "retain_days", "0")
        rig.clinic.stop()
        try rig.gateway.startAgentAndWaitForBroker(debug)
        try rig.publish(pairs, rounds: 150)  // 300 more, past leaf 512
        try waitUntil(rig, "600 readings stored") { try storage(rig.gateway).held + storage(rig.gateway).pruned >= 600 }
        let end2 = try lastReadingLeaf(rig)
        try waitUntil(rig, "an anchor of every reading final") { try anchored(rig) > end2 }
        try waitUntil(rig, "the first 300 pruned") { try storage(rig.gateway).pruned >= 300 }
        try waitForPasses(rig.gateway, 2)
        #expect(try storage(rig.gateway) == (held: 300, pruned: 300), "not delivered: kept")
        #expect(try heldRange(rig).lowerBound > end1 && heldRange(rig).upperBound == end2)

        // 3. The clinic is back; no more blocks: the next readings are delivered, not anchored.
        miner?.stop()
        miner = nil
        try rig.clinic.start()
        try rig.publish(pairs, rounds: 150)  // 300 more, past leaf 768
        try waitUntil(rig, "900 readings delivered") { try delivered(rig, count: 900) }
        let end3 = try lastReadingLeaf(rig)
        try waitUntil(rig, "the next 300 pruned") { try storage(rig.gateway).pruned >= 600 }
        try waitForPasses(rig.gateway, 2)
        #expect(try storage(rig.gateway) == (held: 300, pruned: 600), "not anchored: kept")
        #expect(try heldRange(rig).lowerBound > end2 && heldRange(rig).upperBound == end3)

        // 4. Blocks again: anchored too, so every full tile's readings go; the last, partial tile stays.
        miner = BlockProducer(ledger, interval: 1)
        let size = try #require(try rig.gateway.status()["tree_size"]?.int64)
        let fullTiles = size / 256
        #expect(end3 < size && fullTiles >= 3)
        try waitUntil(rig, "readings up to the last full tile pruned") { try heldRange(rig).lowerBound >= fullTiles * 256 }
        try waitForPasses(rig.gateway, 2)
        let held = try rig.database().prepare("SELECT COUNT(*) FROM readings WHERE leaf_index >= ?").rows(.integer(fullTiles * 256)) { $0.int64(0) }.first ?? -1
        #expect(try storage(rig.gateway) == (held: held, pruned: 900 - held) && held > 0)
        #expect(try heldRange(rig).upperBound == end3)
        // The access events among the pruned readings are all kept, row and leaf hash.
        let events = try rig.database().prepare("SELECT COUNT(*) FROM audit_events WHERE leaf_index < ?").rows(.integer(fullTiles * 256)) { $0.int64(0) }.first ?? -1
        let eventHashes = try rig.database().prepare("SELECT COUNT(*) FROM merkle_nodes WHERE level = 0 AND idx < ?").rows(.integer(fullTiles * 256)) { $0.int64(0) }.first ?? -2
        #expect(events > 0 && events == eventHashes && events + (900 - held) == fullTiles * 256, "events \(events), hashes \(eventHashes)")

        // Nothing lost: all 900 stored once and at the clinic; the pruned readings' hashes are
        // kept in the full tiles; the log still verifies against every checkpoint.
        let status = try rig.gateway.status()
        #expect(status["stored"]?.int64 == 900)
        #expect(status["storage"]?["tiles_kept"]?.int64 == fullTiles)
        let observed = Set(try rig.observations().compactMap { $0["identifier"]?.array?.first?["value"]?.string }.map { $0.split(separator: "/").dropLast().joined(separator: "/") })
        #expect(observed.count == 900, "every reading reached the clinic once")

        // A pruned reading is still provable with the clinic's Observation as the reading file.
        try expectPrunedReadingVerifies(rig, ledger: ledger)
        rig.gateway.stopAgent()
        #expect(rig.gateway.agent?.terminationStatus == 0)
    }

    /// Over the budget with nothing that may go (no anchor is final: no
    /// blocks), nothing more is committed or acknowledged; once blocks come,
    /// anchored readings are pruned and ingest resumes by itself.
    @Test func overTheBudgetNothingIsAcknowledgedUntilReadingsMayGoThenAllAreStoredOnce() throws {
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let broker = try Broker()
        defer { broker.stop() }
        let ids = (0..<4).map { ("budget-\($0)", TrafficPlan.profiles[$0]) }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "1", "confirmations": "1", "storage_budget": "1M",
        ]), devices: ids)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker(["--log-level", "debug"])
        let acks = try AckCollector(port: broker.port)
        defer { acks.stop() }

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var sent: Set<String> = []
        var messages: [(topic: String, payload: [UInt8])] = []
        for i in 1...2000 {
            for (d, p) in ids {
                messages.append(("vitals/\(d)", TrafficPlan.reading(d, p, seq: Int64(i), ts: now - 60_000 + Int64(i), i)))
                sent.insert("\(d)#0#\(i)")
            }
        }
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        try publisher.publish(messages, window: 1000, timeout: 120)

        try waitUntil(timeout: 90, "the agent to stop at the budget") { gateway.agentLogs().contains("storage budget reached") }
        try waitUntil(timeout: 30, "acks for everything committed before") { acks.keys == (try heldKeys(gateway)) }
        let whileFull = try heldKeys(gateway)
        #expect(whileFull.count < sent.count)
        #expect(acks.keys.isSubset(of: whileFull), "acknowledged but not stored: \(acks.keys.subtracting(whileFull).prefix(5))")
        // Said in status: ingest paused (critical), with the reason (the live status is rewritten each second).
        try gateway.waitForStatus(timeout: 15, "ingest paused in status") { $0["ingest"]?["state"]?.string == "paused" }
        let full = try gateway.status()
        #expect(full["ingest"]?["health"]?.string == "critical", "\(full["ingest"]?.serialized() ?? "")")
        #expect(full["ingest"]?["detail"]?.string?.contains("storage budget reached") == true, "\(full["ingest"]?.serialized() ?? "")")
        #expect(full["storage"]?["pruned"]?.int64 == 0, "nothing may go: no anchor is final")
        #expect((full["storage"]?["used_bytes"]?.int64 ?? 0) >= (full["storage"]?["budget_bytes"]?.int64 ?? .max))
        try waitUntil(timeout: 30, "the storage state to name what holds the budget") {
            let storage = (try gateway.status())["storage"]
            return storage?["state"]?.string == "full" && storage?["health"]?.string == "critical"
                && storage?["detail"]?.string?.contains("not yet covered by a final anchor") == true
        }
        // Still nothing more after a while: backpressure, not a slow disk.
        try waitForPasses(gateway, 2)
        #expect(try heldKeys(gateway) == whileFull)

        // Blocks: anchors become final, anchored readings may go, ingest resumes by itself.
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }
        try gateway.waitForStatus(timeout: 240, "every reading stored") { $0["stored"]?.int64 == Int64(sent.count) }
        try waitUntil(timeout: 60, "every reading acknowledged") { acks.keys.count == sent.count }
        #expect(acks.keys == sent)
        #expect(gateway.agentLogs().contains("ingest resumed"))
        let after = try gateway.status()
        let held = try heldKeys(gateway), pruned = after["storage"]?["pruned"]?.int64 ?? -1
        #expect(pruned > 0 && Int64(held.count) + pruned == Int64(sent.count), "held \(held.count) + pruned \(pruned)")
        #expect(held.isSubset(of: sent))
        #expect(try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM readings").rows { $0.int64(0) }.first == Int64(held.count), "each held once")
        #expect((after["storage"]?["used_bytes"]?.int64 ?? .max) < (after["storage"]?["budget_bytes"]?.int64 ?? 0))
        gateway.stopAgent()
        #expect(try gateway.readOnlyDatabase().prepare("PRAGMA integrity_check").rows { $0.text(0) ?? "" }.first == "ok")
    }
}

// MARK: - Helpers

/// Rewrites one setting of the gateway's config file (the agent reads it at start).
func setSetting(_ gateway: GatewayFixture, _ key: String, _ value: String) throws {
    let path = gateway.home + "/vitalgate.conf"
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("\(key) =") && !$0.hasPrefix("# \(key) =") }
    try (lines.joined(separator: "\n") + "\n\(key) = \(value)\n").write(toFile: path, atomically: true, encoding: .utf8)
}

/// Held and pruned readings as `status --json` counts them.
func storage(_ gateway: GatewayFixture) throws -> (held: Int64, pruned: Int64) {
    let s = try gateway.status()["storage"]
    return (s?["held"]?.int64 ?? -1, s?["pruned"]?.int64 ?? -1)
}

/// Waits until the agent has logged `count` more storage passes (debug log) than now.
func waitForPasses(_ gateway: GatewayFixture, _ count: Int) throws {
    let passes = { gateway.agentLogs().components(separatedBy: "storage pass:").count }
    let start = passes()
    try waitUntil(timeout: 60, "\(count) storage passes") { passes() >= start + count }
}

func heldKeys(_ gateway: GatewayFixture) throws -> Set<String> {
    Set(try gateway.readOnlyDatabase().prepare("SELECT device, boot, seq FROM readings").rows { "\($0.text(0) ?? "")#\($0.int64(1))#\($0.int64(2))" })
}

private func waitUntil(_ rig: DeliveryRig, _ what: String, _ condition: () throws -> Bool) throws {
    do {
        try waitUntil(timeout: 120, what, condition)
    } catch {
        throw HarnessError("\(error)\nstatus: \((try? rig.gateway.status().serialized()) ?? "")\nagent log:\n\(rig.gateway.agentLogs().suffix(3000))")
    }
}

/// `count` readings stored, and every held one delivered (pruned ones were, or they would be held).
private func delivered(_ rig: DeliveryRig, count: Int64) throws -> Bool {
    let (held, pruned) = try storage(rig.gateway)
    let waiting = try rig.database().prepare("""
        SELECT COUNT(*) FROM readings r LEFT JOIN deliveries d ON d.leaf_index = r.leaf_index
        WHERE d.state IS NULL OR d.state != 'delivered'
        """).rows { $0.int64(0) }.first ?? -1
    return held + pruned >= count && waiting == 0
}

/// The leaf index of the newest held reading.
private func lastReadingLeaf(_ rig: DeliveryRig) throws -> Int64 {
    try rig.database().prepare("SELECT COALESCE(MAX(leaf_index), -1) FROM readings").rows { $0.int64(0) }.first ?? -1
}

/// The tree size the newest final anchor covers.
private func anchored(_ rig: DeliveryRig) throws -> Int64 {
    try rig.database().prepare("SELECT COALESCE(MAX(tree_size), 0) FROM anchors WHERE state = 'final'").rows { $0.int64(0) }.first ?? 0
}

private func heldRange(_ rig: DeliveryRig) throws -> ClosedRange<Int64> {
    let row = try rig.database().prepare("SELECT MIN(leaf_index), MAX(leaf_index) FROM readings").rows { ($0.int64(0), $0.int64(1)) }.first ?? (0, -1)
    return row.0...max(row.0, row.1)
}

/// The Observation of pruned leaf 5 from the clinic, as a reading file:
/// export finds the reading by it and writes the proof without the payload;
/// verify takes the reading from the file and checks every step on the node.
private func expectPrunedReadingVerifies(_ rig: DeliveryRig, ledger: LedgerNode) throws {
    let db = try rig.database()
    // The first reading of tile 0 the clinic holds (some leaves of the tile are access events):
    // its Observation's leaf data hashes to a hash of the tile kept for it.
    let tile = try #require(try db.prepare("SELECT hashes FROM tiles WHERE level = 0 AND idx = 0").rows { $0.blob(0) ?? [] }.first)
    let observations = try rig.observations()
    let byHash = Dictionary(observations.compactMap { o -> (String, JSONValue)? in
        let data = o["extension"]?.array?.first { $0["url"]?.string == "urn:vitalgate:leaf-data" }?["valueBase64Binary"]?.string.flatMap(Base64.decode)
        return data.map { (RFC9162.hashLeaf($0).hex, o) }
    }, uniquingKeysWith: { a, _ in a })
    let index = try #require((0..<256).first { byHash[Hex.encode(tile[($0 * 32)..<(($0 + 1) * 32)])] != nil }, "the clinic holds a reading of tile 0")
    let observation = try #require(byHash[Hex.encode(tile[(index * 32)..<((index + 1) * 32)])])
    #expect(try db.prepare("SELECT COUNT(*) FROM readings WHERE leaf_index = ?").rows(.integer(Int64(index))) { $0.int64(0) }.first == 0, "leaf \(index) is pruned")
    let file = rig.gateway.directory.file("observation-\(index).json")
    try observation.serialized().write(toFile: file, atomically: true, encoding: .utf8)
    let export = try runVitalgate(["export", "--home", rig.gateway.home, "--reading", file])
    #expect(export.status == 0, "export --reading: \(export.stderr)")
    let bundle = rig.gateway.directory.file("bundle-\(index).json")
    try export.stdout.write(toFile: bundle, atomically: true, encoding: .utf8)
    let json = try JSONParser.parse(export.stdout)
    #expect(json["payload"]?.string == "pruned" && json["reading"] == nil && json["leaf"] == nil && json["leaf_index"]?.int64 == Int64(index))
    let verified = try runVitalgate(["verify", bundle, "--reading", file, "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile])
    #expect(verified.status == 0 && verified.stdout.contains("VERIFIED") && !verified.stdout.contains("FAIL"), "\(verified.stdout)")
    // Control: without the reading it cannot verify, and says why.
    let bare = try runVitalgate(["verify", bundle])
    #expect(bare.status != 0 && bare.stdout.contains("pruned its payload"), "\(bare.stdout)")
}
