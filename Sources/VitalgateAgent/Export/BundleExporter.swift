import Bitcoin
import Merkle
import ProofBundle
import SQLiteStore
import Vitals
import JSON

/// Builds the proof bundle of one stored reading against the newest final
/// anchor that covers it. Only final anchors carry a proof, and the agent
/// moves an anchor out of `final` (dropping its proof) as soon as it sees
/// its block leave the active chain (AnchorFollow), so the proof is for a
/// block of the active chain as the agent last saw it.
public struct BundleExporter {
    let db: Database
    /// Opens the stored (sealed) leaf; needs the gateway's secret key.
    let cipher: LeafCipher

    public init(_ db: Database, cipher: LeafCipher) {
        self.db = db
        self.cipher = cipher
    }

    /// - Parameter boot: the device's boot counter; nil picks the only (or newest) boot with that seq.
    public func bundle(device: String, seq: UInt64, boot: UInt32?) throws -> ProofBundle {
        try db.transaction(.deferred) {
            let (leafIndex, sealed) = try findReading(device: device, seq: seq, boot: boot)
            let leaf = try cipher.open(sealed, index: leafIndex)
            let decoded = try ReadingLeaf(bytes: leaf)
            return try proven(.reading(decoded.reading), salt: decoded.salt, leaf: leaf, leafIndex: leafIndex,
                              what: "reading \(device) seq \(seq) is stored (leaf \(leafIndex))")
        }
    }

    /// The bundle of leaf `leafIndex`: a reading or an access event (docs/audit.md).
    public func bundle(leafIndex: UInt64) throws -> ProofBundle {
        try db.transaction(.deferred) {
            if let event = try AccessTrail.event(db, leafIndex: leafIndex) {
                let (opened, salt, leaf) = try event.open(cipher)
                return try proven(.event(opened), salt: salt, leaf: leaf, leafIndex: leafIndex,
                                  what: "access event #\(event.number) (\(event.type)) is leaf \(leafIndex)")
            }
            let row = try db.prepare("SELECT leaf, device, seq FROM readings WHERE leaf_index = ?")
                .rows(.integer(Int64(leafIndex))) { ($0.blob(0) ?? [], $0.text(1) ?? "", $0.int64(2)) }.first
            guard let (sealed, device, seq) = row else {
                if try db.scalar("SELECT COUNT(*) FROM key_rotations WHERE leaf_index = ?", .integer(Int64(leafIndex))) > 0 {
                    throw StoreError("leaf \(leafIndex) is a key rotation statement: it travels in every bundle's key_chain")
                }
                throw StoreError("the log has no reading or access event at leaf \(leafIndex)")
            }
            let leaf = try cipher.open(sealed, index: leafIndex)
            let decoded = try ReadingLeaf(bytes: leaf)
            return try proven(.reading(decoded.reading), salt: decoded.salt, leaf: leaf, leafIndex: leafIndex,
                              what: "reading \(device) seq \(seq) is stored (leaf \(leafIndex))")
        }
    }

    /// `entry`'s bundle against the newest final anchor that covers its leaf.
    func proven(_ entry: ProofBundle.Entry, salt: [UInt8]?, leaf: [UInt8], leafIndex: UInt64, what: String) throws -> ProofBundle {
        guard let anchor = try AnchorTable(db).newestFinal(covering: leafIndex) else {
            throw StoreError("\(what) but no confirmed anchor covers it yet; try again after the next anchor confirms (see `vitalgate status`)")
        }
        guard let checkpoint = try CheckpointTable(db).at(size: anchor.treeSize),
              let blockHash = anchor.blockHash, let height = anchor.blockHeight, let proof = anchor.txoutProof else {
            throw StoreError("anchor \(anchor.txid) is confirmed but its checkpoint or proof is missing: the database is damaged")
        }
        // The key that signed this checkpoint, and the chain from the provisioned key to now.
        let keys = KeyRotationTable(db)
        let key = try keys.signer(of: checkpoint.note)
        let path = try MerkleTree.inclusionProof(index: leafIndex, size: anchor.treeSize, nodes: MerkleNodeTable(db))
        return ProofBundle(
            entry: entry, salt: salt, leaf: leaf, leafIndex: leafIndex, treeSize: anchor.treeSize,
            inclusion: path.map(\.bytes), checkpoint: checkpoint.note, gatewayPublicKey: key,
            anchor: .init(txid: anchor.txid, blockHash: blockHash, blockHeight: height,
                          confirmations: anchor.confirmations,
                          rawTx: try BitcoinTransaction(parsing: anchor.rawTx).strippedBytes, txoutProof: proof),
            keyChain: try keys.links())
    }

    /// The leaf index of a stored reading.
    public func leafIndex(device: String, seq: UInt64, boot: UInt32?) throws -> UInt64 {
        try findReading(device: device, seq: seq, boot: boot).0
    }

    /// RFC 9162 section 2.1.4 consistency proof between the checkpoints this
    /// gateway signed at `old` and `new` leaves (docs/proof-bundle.md).
    public static func consistency(_ db: Database, old: UInt64, new: UInt64) throws -> ConsistencyBundle {
        guard old <= new else { throw StoreError("the older size \(old) is larger than the newer \(new)") }
        return try db.transaction(.deferred) {
            let checkpoints = CheckpointTable(db)
            func checkpoint(_ size: UInt64) throws -> StoredCheckpoint {
                guard let c = try checkpoints.at(size: size) else {
                    let sizes = try db.prepare("SELECT tree_size FROM checkpoints ORDER BY tree_size DESC LIMIT 8").rows { String($0.int64(0)) }
                    throw StoreError("this gateway signed no checkpoint of size \(size) (newest: \(sizes.joined(separator: ", ")))")
                }
                return c
            }
            let (o, n) = (try checkpoint(old), try checkpoint(new))
            let keys = KeyRotationTable(db)
            let proof = try MerkleTree.consistencyProof(oldSize: old, newSize: new, nodes: MerkleNodeTable(db))
            return ConsistencyBundle(oldCheckpoint: o.note, newCheckpoint: n.note, proof: proof.map(\.bytes),
                                     gatewayPublicKey: try keys.signer(of: n.note), keyChain: try keys.links())
        }
    }

    func findReading(device: String, seq: UInt64, boot: UInt32?) throws -> (UInt64, [UInt8]) {
        var sql = "SELECT leaf_index, leaf FROM readings WHERE device = ? AND seq = ?"
        var args: [SQLiteValue] = [.text(device), .integer(Int64(seq))]
        if let boot {
            sql += " AND boot = ?"
            args.append(.integer(Int64(boot)))
        }
        let st = try db.prepare(sql + " ORDER BY boot DESC LIMIT 1")
        try st.bind(args)
        guard try st.step(), let leaf = st.blob(1) else {
            throw StoreError("no stored reading from device \(device) with seq \(seq)\(boot.map { " (boot \($0))" } ?? "")")
        }
        return (UInt64(st.int64(0)), leaf)
    }
}
