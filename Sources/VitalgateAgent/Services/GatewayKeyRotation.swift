import Codecs
import JSON
import Merkle
import ProofBundle
import SQLiteStore
import Sodium

/// The database half of `vitalgate rotate-key` (docs/security.md, "Key
/// rotation"). The caller holds the agent lock, so no agent writes meanwhile.
public enum GatewayKeyRotation {
    /// Readings re-sealed per statement, to bound memory on a large log.
    static let batch = 1000

    /// In one transaction: signs the rotation statement with `old`, appends
    /// it to the log as a leaf (the next checkpoint, signed with `new`, and
    /// its anchor cover it) after any access events still pending, records it
    /// in the key chain, re-seals every stored reading and access event under
    /// `new`'s data key and every patient reference to
    /// `new`'s patient key, and makes `new` the current key.
    /// Precondition: `old` is the database's current key (checked).
    public static func commit(db: Database, gatewayID: String, old: Ed25519SecretKey, new: Ed25519SecretKey,
                              at millis: Int64) throws -> KeyRotation {
        try db.transaction(.immediate) {
            guard try db.meta("public_key") == Hex.encode(old.publicKey.bytes) else {
                throw StoreError("the database's current gateway key is not the key in gateway.key; refusing to rotate")
            }
            let table = KeyRotationTable(db)
            let rotation = KeyRotation(gateway: gatewayID, seq: UInt64(try table.count()) + 1, ts: millis,
                                       oldKey: old.publicKey.bytes, newKey: new.publicKey.bytes)
            let statement = rotation.canonicalEncoding()
            let nodes = MerkleNodeTable(db)
            var range = try CompactRange(size: try nodes.treeSize(), nodes: nodes)
            // Access events recorded while the agent was stopped go into the log
            // first, under the old key: they happened before the rotation (docs/audit.md).
            while try !AccessTrail.appendPending(db, range: &range, cipher: LeafCipher(gatewayKey: old),
                                                 opener: PatientCipher(gatewayKey: old), gatewayID: gatewayID).isEmpty {}
            try reseal(db, from: LeafCipher(gatewayKey: old), to: LeafCipher(gatewayKey: new))
            try AccessTrail.reseal(db, from: LeafCipher(gatewayKey: old), to: LeafCipher(gatewayKey: new))
            try PatientSealing.rotate(db, from: PatientCipher(gatewayKey: old), to: PatientCipher(gatewayKey: new))
            let index = range.size
            try nodes.insert(range.append(RFC9162.hashLeaf(statement)))
            try table.insert(rotation, statement: statement, signature: old.sign(statement), leafIndex: index, at: millis)
            try db.setMeta("public_key", Hex.encode(new.publicKey.bytes))
            return rotation
        }
    }

    /// Opens each stored leaf with `old` and seals it again with `new` (in
    /// the stored-leaf form, whichever form it had), in batches of `batch`
    /// rows by leaf index. The plaintext is wiped after use.
    static func reseal(_ db: Database, from old: LeafCipher, to new: LeafCipher) throws {
        let update = try db.cachedStatement("UPDATE readings SET leaf = ? WHERE leaf_index = ?")
        var after: Int64 = -1
        while true {
            let rows = try db.prepare("SELECT leaf_index, leaf, device, boot, seq, ts FROM readings WHERE leaf_index > ? ORDER BY leaf_index LIMIT \(batch)")
                .rows(.integer(after)) {
                    ($0.int64(0), $0.blob(1) ?? [], LeafCipher.Row(index: UInt64($0.int64(0)), device: $0.text(2) ?? "",
                                                                 boot: UInt32(truncatingIfNeeded: $0.int64(3)), seq: UInt64($0.int64(4)), ts: $0.int64(5)))
                }
            guard let last = rows.last else { return }
            for (index, sealed, row) in rows {
                var plain = try old.open(sealed, row: row)
                defer { sodiumZero(&plain) }
                try update.run(.blob(new.seal(leaf: plain, row: row)), .integer(index))
            }
            after = last.0
        }
    }
}
