import Bitcoin
import Merkle
import ProofBundle
import SHA2
import SQLiteStore
import Vitals
import JSON

/// Builds the proof bundle of one reading against the newest final anchor
/// that covers it. Only final anchors carry a proof, and the agent moves an
/// anchor out of `final` (dropping its proof) as soon as it sees its block
/// leave the active chain (BitcoinAnchorTarget.follow), so the proof is for a block of the
/// active chain as the agent last saw it.
///
/// A reading whose payload was pruned (docs/storage.md) still has its leaf
/// hash in the log: its bundle is the same proof without the payload
/// (`PrunedBundle`), found by its leaf index or from the reading itself.
/// Hashes handed to the archive are read from it and checked, and every
/// inclusion proof is checked against its checkpoint's root before it is
/// written, so a missing or altered archive fails the export with its
/// reason, never a wrong bundle.
public struct BundleExporter {
    let db: Database
    /// Opens the stored (sealed) leaf; needs the gateway's secret key.
    let cipher: LeafCipher
    let nodes: MerkleNodeTable

    public init(_ db: Database, cipher: LeafCipher, archive: TileArchive? = nil) {
        self.db = db
        self.cipher = cipher
        nodes = MerkleNodeTable(db, archive: archive)
    }

    /// What an export gives: the whole bundle, or, for a reading whose
    /// payload was pruned, the proof without it (`PrunedBundle`).
    public enum Exported {
        case full(ProofBundle)
        case pruned(JSONValue, leafIndex: UInt64)

        public var json: JSONValue {
            switch self {
            case .full(let bundle): bundle.json
            case .pruned(let json, _): json
            }
        }

        public var leafIndex: UInt64 {
            switch self {
            case .full(let bundle): bundle.leafIndex
            case .pruned(_, let index): index
            }
        }
    }

    /// - Parameter boot: the device's boot counter; nil picks the newest boot holding that seq.
    public func bundle(device: String, seq: UInt64, boot: UInt32?) throws -> ProofBundle {
        try db.transaction(.deferred) {
            guard let leafIndex = try find(device: device, seq: seq, boot: boot) else {
                throw StoreError("no reading from device \(device) with seq \(seq)\(boot.map { " (boot \($0))" } ?? "") is held here: it was never stored, or its payload was pruned (docs/storage.md). For a pruned reading, give the reading (`--reading FILE`: its leaf, or the clinic's FHIR Observation) or its leaf index (`--leaf N`, named in the delivery's Provenance)")
            }
            return try fullBundle(leafIndex: leafIndex)
        }
    }

    /// The whole bundle of leaf `leafIndex` the gateway holds: a held reading
    /// or an access event (docs/audit.md); access events are never pruned.
    public func bundle(leafIndex: UInt64) throws -> ProofBundle {
        guard case .full(let bundle) = try export(leafIndex: leafIndex) else {
            throw StoreError("the payload of the reading at leaf \(leafIndex) was pruned (docs/storage.md): `export --leaf \(leafIndex)` gives its proof without it")
        }
        return bundle
    }

    /// The bundle of leaf `leafIndex`: an access event, a held reading, or the
    /// proof without its payload of a reading that was pruned.
    public func export(leafIndex: UInt64) throws -> Exported {
        try db.transaction(.deferred) {
            if let event = try AccessTrail.event(db, leafIndex: leafIndex) {
                let (opened, salt, leaf) = try event.open(cipher)
                let proof = try proof(leafIndex: leafIndex, leafHash: RFC9162.hashLeaf(leaf),
                                      what: "access event #\(event.number) (\(event.type)) is leaf \(leafIndex)")
                return .full(ProofBundle(entry: .event(opened), salt: salt, leaf: leaf, leafIndex: leafIndex, treeSize: proof.treeSize,
                                         inclusion: proof.inclusion, checkpoint: proof.checkpoint, gatewayPublicKey: proof.key,
                                         anchor: proof.anchor, keyChain: proof.keyChain))
            }
            if try held(leafIndex) != nil { return .full(try fullBundle(leafIndex: leafIndex)) }
            return .pruned(try prunedBundle(leafIndex: leafIndex), leafIndex: leafIndex)
        }
    }

    /// RFC 9162 section 2.1.4 consistency proof between the checkpoints this
    /// gateway signed at `old` and `new` leaves (docs/proof-bundle.md); hashes
    /// handed to `archive` are read from it and checked (docs/storage.md).
    public static func consistency(_ db: Database, old: UInt64, new: UInt64, archive: TileArchive? = nil) throws -> ConsistencyBundle {
        guard old <= new else { throw StoreError("the older size \(old) is larger than the newer \(new)") }
        return try db.transaction(.deferred) {
            let checkpoints = CheckpointTable(db)
            func checkpoint(_ size: UInt64) throws -> StoredCheckpoint {
                guard let c = try checkpoints.at(size: size) else {
                    let sizes = try db.prepare("SELECT tree_size FROM checkpoints ORDER BY tree_size DESC LIMIT 8").rows { String($0.int64(0)) }
                    throw StoreError("this gateway holds no checkpoint of size \(size) (newest: \(sizes.joined(separator: ", "))); checkpoints older than retain_days that no anchor names are pruned (docs/storage.md)")
                }
                return c
            }
            let (o, n) = (try checkpoint(old), try checkpoint(new))
            let keys = KeyRotationTable(db)
            let proof = try MerkleTree.consistencyProof(oldSize: old, newSize: new, nodes: MerkleNodeTable(db, archive: archive))
            return ConsistencyBundle(oldCheckpoint: o.note, newCheckpoint: n.note, proof: proof.map(\.bytes),
                                     gatewayPublicKey: try keys.signer(of: n.note), keyChain: try keys.links())
        }
    }

    /// The bundle of the reading whose exact leaf is `leaf` (from a reading
    /// file): full while held, else without its payload; found by the leaf's
    /// device, boot and seq, or for a pruned reading by its leaf hash among
    /// the pruned tiles whose reading times span its `ts`.
    public func export(readingLeaf leaf: [UInt8]) throws -> Exported {
        let decoded: ReadingLeaf
        do { decoded = try ReadingLeaf(bytes: leaf) } catch { throw StoreError("the reading file does not hold a reading's leaf: \(error)") }
        let r = decoded.reading, hash = RFC9162.hashLeaf(leaf)
        return try db.transaction(.deferred) {
            if let index = try find(device: r.device, seq: r.seq, boot: r.boot) {
                guard try nodes.perfectSubtree(level: 0, index: index) == hash else {
                    throw StoreError("the gateway holds another reading as \(r.device) boot \(r.boot) seq \(r.seq) (leaf \(index)): the reading file's leaf is not in this log")
                }
                return .full(try fullBundle(leafIndex: index))
            }
            guard let index = try searchPruned(hash, ts: r.ts) else {
                throw StoreError("the reading \(r.device) boot \(r.boot) seq \(r.seq) (leaf hash \(hash.hex)) is not in this gateway's log, held or pruned")
            }
            return .pruned(try prunedBundle(leafIndex: index), leafIndex: index)
        }
    }

    // MARK: - Building

    private func fullBundle(leafIndex: UInt64) throws -> ProofBundle {
        guard let (sealed, row) = try held(leafIndex) else { throw StoreError("leaf \(leafIndex) is not a held reading") }
        let leaf = try cipher.open(sealed, row: row)
        let decoded = try ReadingLeaf(bytes: leaf)
        let proof = try proof(leafIndex: leafIndex, leafHash: RFC9162.hashLeaf(leaf),
                              what: "reading \(decoded.reading.device) seq \(decoded.reading.seq) is stored (leaf \(leafIndex))")
        return ProofBundle(
            reading: decoded.reading, salt: decoded.salt, leaf: leaf, leafIndex: leafIndex, treeSize: proof.treeSize,
            inclusion: proof.inclusion, checkpoint: proof.checkpoint, gatewayPublicKey: proof.key, anchor: proof.anchor,
            keyChain: proof.keyChain)
    }

    private func prunedBundle(leafIndex: UInt64) throws -> JSONValue {
        let size = try nodes.treeSize()
        guard leafIndex < size else { throw StoreError("leaf \(leafIndex) is beyond the log (size \(size))") }
        guard try db.scalar("SELECT COUNT(*) FROM key_rotations WHERE leaf_index = ?", .integer(Int64(leafIndex))) == 0 else {
            throw StoreError("leaf \(leafIndex) is a key rotation statement: it travels in every bundle's key_chain")
        }
        let leafHash = try nodes.perfectSubtree(level: 0, index: leafIndex)
        let proof = try proof(leafIndex: leafIndex, leafHash: leafHash, what: "leaf \(leafIndex) is in the log (its reading pruned)")
        return PrunedBundle.json(leafHash: leafHash.bytes, leafIndex: leafIndex, treeSize: proof.treeSize, inclusion: proof.inclusion,
                                 checkpoint: proof.checkpoint, gatewayPublicKey: proof.key, anchor: proof.anchor, keyChain: proof.keyChain)
    }

    private struct Proof {
        let treeSize: UInt64
        let inclusion: [[UInt8]]
        let checkpoint: String
        let key: [UInt8]
        let anchor: ProofBundle.Anchor
        let keyChain: [KeyChainLink]
    }

    /// Everything but the payload: anchor, checkpoint, key chain and the
    /// inclusion proof, checked against the checkpoint's root.
    private func proof(leafIndex: UInt64, leafHash: SHA256Digest, what: String) throws -> Proof {
        guard let anchor = try AnchorTable(db).newestFinal(covering: leafIndex) else {
            throw StoreError("\(what) but no confirmed anchor covers it yet; try again after the next anchor confirms (see `vitalgate status`)")
        }
        guard let checkpoint = try CheckpointTable(db).at(size: anchor.treeSize),
              let blockHash = anchor.blockHash, let height = anchor.blockHeight, let txoutProof = anchor.txoutProof else {
            throw StoreError("anchor \(anchor.txid) is confirmed but its checkpoint or proof is missing: the database is damaged")
        }
        // The key that signed this checkpoint, and the chain from the provisioned key to now.
        let keys = KeyRotationTable(db)
        let key = try keys.signer(of: checkpoint.note)
        let path = try MerkleTree.inclusionProof(index: leafIndex, size: anchor.treeSize, nodes: nodes)
        guard let root = SHA256Digest(bytes: checkpoint.root),
              (try? InclusionProof.verify(index: leafIndex, size: anchor.treeSize, leafHash: leafHash, proof: path, root: root)) != nil else {
            throw StoreError("the inclusion proof made for leaf \(leafIndex) does not reach the root of checkpoint \(anchor.treeSize): a hash the log holds (or its archive) is wrong; no bundle is written")
        }
        return Proof(treeSize: anchor.treeSize, inclusion: path.map(\.bytes), checkpoint: checkpoint.note, key: key,
                     anchor: .init(txid: anchor.txid, blockHash: blockHash, blockHeight: height, confirmations: anchor.confirmations,
                                   rawTx: try BitcoinTransaction(parsing: anchor.rawTx).strippedBytes, txoutProof: txoutProof),
                     keyChain: try keys.links())
    }

    // MARK: - Finding

    /// The sealed leaf of held reading `leafIndex` and its row, nil if not held.
    private func held(_ leafIndex: UInt64) throws -> ([UInt8], LeafCipher.Row)? {
        try db.prepare("SELECT leaf, device, boot, seq, ts FROM readings WHERE leaf_index = ?").rows(.integer(Int64(leafIndex))) {
            ($0.blob(0) ?? [], LeafCipher.Row(index: leafIndex, device: $0.text(1) ?? "", boot: UInt32(truncatingIfNeeded: $0.int64(2)),
                                               seq: UInt64($0.int64(3)), ts: $0.int64(4)))
        }.first
    }

    /// The leaf index of held reading (device, boot, seq) (readings are not
    /// indexed by device: `ReadingRuns` finds them); nil boot: the newest boot holding it.
    func find(device: String, seq: UInt64, boot: UInt32?) throws -> UInt64? {
        let runs = try ReadingRuns.load(db)
        let boots = boot.map { [$0] } ?? runs.runs.keys.filter { $0.device == device }.map(\.boot).sorted(by: >)
        for b in boots {
            if let index = try runs.locate(db, device: device, boot: b, seq: seq) { return index }
        }
        return nil
    }

    /// A pruned leaf by its hash: the tiles of every 65,536-leaf group whose
    /// pruned readings' times span `ts`, nearest groups first.
    private func searchPruned(_ hash: SHA256Digest, ts: Int64) throws -> UInt64? {
        let layout = MerkleNodeTable.layout
        guard try db.tableExists("tile_spans") else { return nil }
        let groups = try db.prepare("SELECT idx FROM tile_spans WHERE ts_min <= ? AND ts_max >= ? ORDER BY idx DESC")
            .rows(.integer(ts), .integer(ts)) { UInt64($0.int64(0)) }
        let fullTiles = layout.fullTiles(level: 0, treeSize: try nodes.treeSize())
        for group in groups {
            let first = group << UInt64(layout.height)
            for tile in first..<min(first + UInt64(layout.width), fullTiles) {
                let hashes = try nodes.fullTile(TileCoordinate(level: 0, index: tile, width: layout.width))
                if let offset = hashes.firstIndex(of: hash) { return (tile << UInt64(layout.height)) + UInt64(offset) }
            }
        }
        return nil
    }
}
