import Foundation
import JSON
import LeafGuessing
import Merkle
import ProofBundle
import SQLiteStore
import Testing
import TestSupport
import Vitals

/// Salted leaves, attacked (issue 11): someone with a copy of the card, or
/// with one reading's proof bundle, knows every reading's device, boot, seq
/// and time and every device's public profile, and tries every plausible
/// reading against every hash they hold (`LeafGuesser`). With salted leaves
/// nothing is recovered; the control, the same readings as leaves built the
/// old way (version 1, unsalted), gives every value back to the same search.
@Suite(.serialized) struct LeafPrivacyTests {
    /// One device per profile, two readings each, values inside the attacker's ranges.
    static let devices = [("ox-1", "pulse-oximeter"), ("bp-1", "blood-pressure-cuff"), ("th-1", "thermometer"),
                          ("sw-1", "smartwatch"), ("ecg-1", "ecg-patch")]
    static let values: [String: [String]] = [
        "ox-1": [#""spo2":97,"hr":72"#, #""spo2":93,"hr":101"#],
        "bp-1": [#""sys":121,"dia":79,"hr":64"#, #""sys":142,"dia":91"#],
        "th-1": [#""temp":36.6"#, #""temp":38"#],
        "sw-1": [#""hr":90,"rr":16,"spo2":95"#, #""hr":88"#],
        "ecg-1": [#""hr":80,"rr":14"#, #""hr":77"#],
    ]

    @Test func noStoredHashAndNoBundleHashGivesTheValuesBack() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode()
        defer { ledger.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "1", "confirmations": "1",
        ]), devices: Self.devices)
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var sent: [Reading] = []
        var messages: [(topic: String, payload: [UInt8])] = []
        for (device, _) in Self.devices {
            for (i, metrics) in Self.values[device]!.enumerated() {
                let text = #"{"device":"\#(device)","boot":3,"seq":\#(i + 1),"ts":\#(now + Int64(i)),\#(metrics)}"#
                messages.append(("vitals/\(device)", Array(text.utf8)))
                // The payload's own members are the reading's (the attacker does not get these).
                sent.append(try Self.reading(text))
            }
        }
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(messages)
        publisher.stop()
        try gateway.waitForStatus(timeout: 60, "10 readings stored") { $0["stored"]?.int64 == 10 }
        let whileRunning = try Self.copy(gateway.home, to: gateway.directory.file("copy-running"))
        try gateway.waitForStatus(timeout: 90, "an anchor of all 10") { wholeLogAnchored($0) }

        // One reading's bundle: its inclusion hashes are its neighbours' leaves and subtrees.
        let export = try runVitalgate(["export", "--home", gateway.home, "--device", "ox-1", "--seq", "1"])
        try #require(export.status == 0, "\(export.stderr)")
        let bundle = try ProofBundle(json: JSONParser.parse(export.stdout))
        try #require(!bundle.inclusion.isEmpty)
        let file = gateway.directory.file("bundle.json")
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try runVitalgate(["verify", file, "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile])
        #expect(verify.status == 0, "the bundle verifies: \(verify.stdout)")
        #expect(try BundleMutations.probe(bundle).isEmpty, "every changed byte, the salt's included, fails the bundle")

        gateway.stopAgent()
        let afterStop = try Self.copy(gateway.home, to: gateway.directory.file("copy-stopped"))

        // What the attacker holds: every hash in both copies, and the bundle's.
        var held = Set<LeafGuesser.Digest>()
        var identities: [(LeafGuesser.Identity, DeviceProfile)] = []
        for copy in [whileRunning, afterStop] {
            let found = try Self.hashesAndIdentities(copy)
            held.formUnion(found.hashes)
            identities += found.identities
        }
        let bundleHashes = bundle.inclusion + [RFC9162.hashLeaf(bundle.leaf).bytes]
        held.formUnion(bundleHashes.compactMap(LeafGuesser.Digest.init))
        #expect(Set(identities.map(\.0)).count == 10, "the attacker knows every reading's identity")

        // The control: the same readings as version 1 leaves, built by the product's old encoder.
        var oldWay: [LeafGuesser.Digest: String] = [:]
        for r in sent { oldWay[LeafGuesser.Digest(RFC9162.hashLeaf(r.canonicalEncoding()).bytes)!] = String(decoding: r.canonicalEncoding(), as: UTF8.self) }
        try #require(held.isDisjoint(with: oldWay.keys), "no stored or bundle hash is an unsalted leaf")

        // One search over every identity, for both sets at once.
        var seen = Set<LeafGuesser.Identity>()
        var hits: [LeafGuesser.Hit] = []
        for (identity, profile) in identities where seen.insert(identity).inserted {
            hits += LeafGuesser.search(identity, profile, targets: held.union(oldWay.keys))
        }
        let leaked = hits.filter { held.contains($0.hash) }
        #expect(leaked.isEmpty, "values recovered from salted hashes: \(leaked.map(\.leaf))")
        let recovered = Dictionary(hits.filter { oldWay[$0.hash] != nil }.map { ($0.hash, $0.leaf) }) { a, _ in a }
        #expect(recovered == oldWay, "the control: every unsalted leaf is recovered with its values (\(recovered.count) of \(oldWay.count))")
        #expect(held.count >= 10, "the attack had every leaf hash to work on")
    }

    /// The same attack on a database the release before salting wrote
    /// (Tests/fixtures/pre-salt): every stored oximeter and thermometer leaf
    /// gives its values back. (Its blood-pressure readings are left out:
    /// 13 million guesses each, and they add nothing to the control.)
    @Test func theSameAttackRecoversEveryReadingOfAPreSaltDatabase() throws {
        let gateway = try GatewayFixture(unpacking: repositoryRoot() + "/Tests/fixtures/pre-salt/home.tar.gz")
        defer { gateway.remove() }
        let found = try Self.hashesAndIdentities(gateway.home)
        var hits: [LeafGuesser.Hit] = []
        for (identity, profile) in found.identities where profile.name != "blood-pressure-cuff" {
            hits += LeafGuesser.search(identity, profile, targets: found.hashes)
        }
        // What was stored, opened with the gateway key: the attacker's hits are exactly these leaves.
        let stored = try LogAudit.leaves(gateway.databasePath)
        let expected = Set(try stored.values.map { try ReadingLeaf(bytes: $0) }.filter { !$0.reading.device.hasPrefix("bp-") }
            .map { String(decoding: $0.bytes, as: UTF8.self) })
        #expect(expected.count == 12)
        #expect(Set(hits.map(\.leaf)) == expected)
    }

    static func reading(_ payload: String) throws -> Reading {
        let json = try JSONParser.parse(Array(payload.utf8))
        var metrics: [(key: String, value: ExactDecimal)] = []
        for m in json.object!.members where !Identifier.reservedKeys.contains(m.key) {
            metrics.append((m.key, ExactDecimal(text: m.value.number!.text)!))
        }
        return Reading(device: json["device"]!.string!, boot: UInt32(json["boot"]!.int64!), seq: UInt64(json["seq"]!.int64!),
                       ts: json["ts"]!.int64!, metrics: metrics)
    }

    /// A copy of the home folder, the database with its -wal and -shm, as a thief takes it.
    static func copy(_ home: String, to target: String) throws -> String {
        try FileManager.default.copyItem(atPath: home, toPath: target)
        return target
    }

    /// Every hash in a home's database (leaf hashes, stored subtrees, checkpoint
    /// roots) and every reading's identity in the clear, with its device's profile.
    static func hashesAndIdentities(_ home: String) throws -> (hashes: Set<LeafGuesser.Digest>, identities: [(LeafGuesser.Identity, DeviceProfile)]) {
        let db = try Database(path: home + "/vitalgate.sqlite")
        var hashes = Set<LeafGuesser.Digest>()
        for sql in ["SELECT leaf_hash FROM readings", "SELECT hash FROM merkle_nodes", "SELECT root FROM checkpoints"] {
            for h in try db.prepare(sql).rows(map: { $0.blob(0) ?? [] }) { if let d = LeafGuesser.Digest(h) { hashes.insert(d) } }
        }
        var profiles: [String: DeviceProfile] = [:]
        for (name, json) in try db.prepare("SELECT p.name, p.json FROM profiles p").rows(map: { ($0.text(0) ?? "", $0.blob(1) ?? []) }) {
            profiles[name] = try DeviceProfile.parse(json)
        }
        let identities = try db.prepare("""
            SELECT r.device, r.boot, r.seq, r.ts, d.profile FROM readings r JOIN devices d ON d.id = r.device
            """).rows { st in
            (LeafGuesser.Identity(device: st.text(0) ?? "", boot: UInt32(st.int64(1)), seq: UInt64(st.int64(2)), ts: st.int64(3)),
             profiles[st.text(4) ?? ""]!)
        }
        return (hashes, identities)
    }
}
