import Merkle
import ProofBundle
import SHA2
import SQLiteStore

/// A gateway's database as evidence for the monitor (docs/audit.md): its
/// signed checkpoints, and consistency proofs computed from its stored
/// tree (RFC 9162 section 2.1.4.1). The monitor checks every proof against
/// the anchored roots; it takes nothing here on trust.
public struct DatabaseEvidence: LogEvidence {
    public let name: String
    let db: Database

    public init(name: String, db: Database) {
        self.name = name
        self.db = db
    }

    public func checkpointNotes() throws -> [String] {
        try db.prepare("SELECT note FROM checkpoints ORDER BY tree_size").rows { $0.text(0) ?? "" }
    }

    public func relate(_ old: TreeHead, _ new: TreeHead) throws -> LogRelation {
        let nodes = MerkleNodeTable(db)
        guard old.size <= new.size, new.size > 0, try nodes.treeSize() >= new.size,
              try MerkleTree.root(size: new.size, nodes: nodes).bytes == new.root else { return .unknown }
        let proof = try MerkleTree.consistencyProof(oldSize: old.size, newSize: new.size, nodes: nodes)
        let prefix = try MerkleTree.root(size: old.size, nodes: nodes).bytes
        return prefix == old.root ? .consistent([(old, new, proof)]) : .inconsistent(prefixRoot: prefix, proof: proof)
    }
}
