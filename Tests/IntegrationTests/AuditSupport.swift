import Codecs
import Foundation
import JSON
import Merkle
import ProofBundle
import SHA2
import SignedNote
import SQLiteStore
import Sodium
import Testing
import TestSupport

/// Independent checks of a gateway's whole log after a run: every leaf
/// (readings and access events opened with the gateway key, key rotation
/// statements as stored), and every checkpoint against the tree rebuilt from
/// them (docs/audit.md).
enum WholeLog {
    /// leaf index → leaf bytes for every leaf; throws if an index is missing or doubled.
    static func leaves(_ gateway: GatewayFixture, cipher: SealedLeaves? = nil) throws -> [[UInt8]] {
        let db = try gateway.readOnlyDatabase()
        let open = try cipher ?? SealedLeaves(home: gateway.home)
        var byIndex: [Int64: [UInt8]] = [:]
        func add(_ index: Int64, _ leaf: [UInt8]) throws {
            guard byIndex.updateValue(leaf, forKey: index) == nil else { throw HarnessError("leaf \(index) is stored twice") }
        }
        for row in try db.prepare("SELECT leaf_index, leaf, device, boot, seq, ts FROM readings").rows(map: {
            ($0.int64(0), $0.blob(1) ?? [], $0.text(2) ?? "", $0.int64(3), $0.int64(4), $0.int64(5))
        }) {
            try add(row.0, try open.open(row.1, index: row.0, device: row.2, boot: row.3, seq: row.4, ts: row.5))
        }
        for (i, sealed) in try db.prepare("SELECT leaf_index, leaf FROM audit_events").rows(map: { ($0.int64(0), $0.blob(1) ?? []) }) {
            try add(i, try open.open(sealed, index: i))
        }
        for (i, statement) in try db.prepare("SELECT leaf_index, statement FROM key_rotations").rows(map: { ($0.int64(0), $0.blob(1) ?? []) }) {
            try add(i, statement)
        }
        let count = Int64(byIndex.count)
        guard byIndex.keys.allSatisfy({ $0 >= 0 && $0 < count }) else {
            throw HarnessError("the log's leaves are not 0..<\(count): \(byIndex.keys.sorted().prefix(20))")
        }
        return (0..<count).map { byIndex[$0]! }
    }

    /// Every checkpoint is signed by a key of the gateway and its root is the
    /// RFC 9162 root of the first `size` of `leaves`; each stored leaf hash is
    /// the hash of its leaf. Returns the number of checkpoints.
    @discardableResult
    static func verifyCheckpoints(_ gateway: GatewayFixture, leaves: [[UInt8]]) throws -> Int {
        try Sodium.initialize()
        let db = try gateway.readOnlyDatabase()
        var keys = try db.prepare("SELECT old_key, new_key FROM key_rotations").rows { [$0.text(0) ?? "", $0.text(1) ?? ""] }.flatMap { $0 }
        keys += try db.prepare("SELECT value FROM meta WHERE key = 'public_key'").rows { $0.text(0) ?? "" }
        let publicKeys = Set(keys).compactMap { Hex.decode($0) }
        var tree = InMemoryNodes()
        let checkpoints = try db.prepare("SELECT tree_size, note FROM checkpoints ORDER BY tree_size").rows { ($0.int64(0), $0.text(1) ?? "") }
        for (size, text) in checkpoints {
            guard size <= leaves.count else { throw HarnessError("checkpoint \(size) is beyond the \(leaves.count) leaves") }
            while tree.size < UInt64(size) { tree.append(leafHash: RFC9162.hashLeaf(leaves[Int(tree.size)])) }
            let note = try SignedNote(parsing: text)
            let checkpoint = try Checkpoint(body: note.text)
            #expect(checkpoint.rootHash == (try MerkleTree.root(size: UInt64(size), nodes: tree)).bytes, "checkpoint \(size) root")
            #expect(publicKeys.contains { key in
                (try? note.verify(name: checkpoint.origin, publicKey: key) { Ed25519PublicKey(bytes: key)!.isValidSignature($1, for: $0) }) != nil
            }, "checkpoint \(size) signature")
        }
        for (i, hash) in try db.prepare("SELECT idx, hash FROM merkle_nodes WHERE level = 0").rows(map: { ($0.int64(0), $0.blob(1) ?? []) }) {
            #expect(Int(i) < leaves.count && RFC9162.hashLeaf(leaves[Int(i)]).bytes == hash, "leaf hash \(i)")
        }
        return checkpoints.count
    }

    /// `vitalgate audit trail --json`: one object per event.
    static func trail(_ gateway: GatewayFixture, _ extra: [String] = []) throws -> [JSONValue] {
        let r = try runVitalgate(["audit", "trail", "--home", gateway.home, "--json"] + extra)
        guard r.status == 0 else { throw HarnessError("audit trail: \(r.stderr)") }
        return try r.stdout.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8), limits: largeLimits) }
    }

    static var largeLimits: JSONParser.Limits {
        var limits = JSONParser.Limits()
        limits.maxBytes = 16 << 20
        return limits
    }

    /// The number of access events in the log.
    static func eventCount(_ gateway: GatewayFixture) throws -> Int64 {
        try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM audit_events").rows { $0.int64(0) }.first ?? 0
    }

    static func pendingCount(_ gateway: GatewayFixture) throws -> Int64 {
        try gateway.readOnlyDatabase().prepare("SELECT COUNT(*) FROM audit_pending").rows { $0.int64(0) }.first ?? 0
    }
}

/// In `status --json`: a final anchor covers the whole log (readings, access
/// events, rotations), so the tree size counts more than the readings.
func wholeLogAnchored(_ s: JSONValue) -> Bool {
    guard let size = s["tree_size"]?.int64, size > 0 else { return false }
    return s["anchors"]?["last_confirmed"]?["tree_size"]?.int64 == size
}

/// `vitalgate` with `--home` of `gateway` appended; requires success.
@discardableResult
func gatewayCommand(_ gateway: GatewayFixture, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
    let r = try runVitalgate(arguments + ["--home", gateway.home])
    try #require(r.status == 0, "vitalgate \(arguments.joined(separator: " ")): \(r.stderr)\(r.stdout)", sourceLocation: sourceLocation)
    return r
}
