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
        return try db.transaction(.deferred) {
            let (leafIndex, sealed) = try findReading(device: device, seq: seq, boot: boot)
            let leaf = try cipher.open(sealed, index: leafIndex)
            let decoded = try ReadingLeaf(bytes: leaf)
            guard let anchor = try AnchorTable(db).newestFinal(covering: leafIndex) else {
                throw StoreError("reading \(device) seq \(seq) is stored (leaf \(leafIndex)) but no confirmed anchor covers it yet; try again after the next anchor confirms (see `vitalgate status`)")
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
                reading: decoded.reading, salt: decoded.salt, leaf: leaf, leafIndex: leafIndex, treeSize: anchor.treeSize,
                inclusion: path.map(\.bytes), checkpoint: checkpoint.note, gatewayPublicKey: key,
                anchor: .init(txid: anchor.txid, blockHash: blockHash, blockHeight: height,
                              confirmations: anchor.confirmations,
                              rawTx: try BitcoinTransaction(parsing: anchor.rawTx).strippedBytes, txoutProof: proof),
                keyChain: try keys.links())
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
