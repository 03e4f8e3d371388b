import Foundation
import SQLiteStore
import Testing
import TestSupport

/// What the anchor integration tests share: publishing readings, reading
/// the anchors table after the fact, exporting and verifying a bundle.
struct AnchorScenario {
    let gateway: GatewayFixture
    let brokerPort: UInt16
    let devices: [(String, String)]
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    /// The next seq per device (all devices advance together).
    private(set) var nextSeq = 1

    init(gateway: GatewayFixture, brokerPort: UInt16, devices: [(String, String)]) {
        self.gateway = gateway
        self.brokerPort = brokerPort
        self.devices = devices
    }

    /// Publishes `rounds` readings per device and waits for the broker's acknowledgements.
    mutating func publish(rounds: Int) throws {
        let publisher = try Publisher(port: brokerPort)
        defer { publisher.stop() }
        var batch: [(topic: String, payload: [UInt8])] = []
        for i in nextSeq..<(nextSeq + rounds) {
            for (d, p) in devices { batch.append(("vitals/\(d)", TrafficPlan.reading(d, p, seq: Int64(i), ts: now, i))) }
        }
        nextSeq += rounds
        try publisher.publish(batch)
    }

    var published: Int64 { Int64((nextSeq - 1) * devices.count) }

    /// Waits until every published reading is stored and a final anchor covers them all.
    func waitForFinalAnchorOfEverything(timeout: Double) throws {
        let expected = published
        try gateway.waitForStatus(timeout: timeout, "a final anchor of all \(expected) readings") { s in
            // The log holds access events too (docs/audit.md): the anchor covers all of it.
            s["stored"]?.int64 == expected && wholeLogAnchored(s)
        }
    }

    struct Row { let id: Int64; let state: String; let txid: String; let endpoint: String; let treeSize: Int64; let blockHash: String? }

    /// The anchors table as the agent left it.
    func anchors() throws -> [Row] {
        let db = try gateway.readOnlyDatabase()
        return try db.prepare("SELECT id, state, txid, COALESCE(endpoint, ''), tree_size, block_hash FROM anchors ORDER BY id").rows {
            Row(id: $0.int64(0), state: $0.text(1) ?? "", txid: $0.text(2) ?? "", endpoint: $0.text(3) ?? "", treeSize: $0.int64(4), blockHash: $0.text(5))
        }
    }

    /// Every logged transition: (anchor id, from, to, detail).
    func events() throws -> [(Int64, String?, String, String)] {
        let db = try gateway.readOnlyDatabase()
        return try db.prepare("SELECT anchor_id, from_state, to_state, detail FROM anchor_events ORDER BY id").rows {
            ($0.int64(0), $0.text(1), $0.text(2) ?? "", $0.text(3) ?? "")
        }
    }

    /// `vitalgate export` then `vitalgate verify --ledger-url` for one reading; expects every step to pass.
    func exportAndVerify(device: String, seq: Int, ledger: LedgerNode, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let export = try runVitalgate(["export", "--home", gateway.home, "--device", device, "--seq", String(seq)])
        #expect(export.status == 0, "export \(device) \(seq): \(export.stderr)", sourceLocation: sourceLocation)
        let file = gateway.directory.file("bundle-\(device)-\(seq).json")
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try runVitalgate(["verify", file, "--ledger-url", ledger.url, "--ledger-cookie", ledger.cookieFile])
        #expect(verify.status == 0, "verify \(device) \(seq): \(verify.stdout)", sourceLocation: sourceLocation)
        #expect(verify.stdout.contains("VERIFIED") && !verify.stdout.contains("FAIL"), sourceLocation: sourceLocation)
    }
}
