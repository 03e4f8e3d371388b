import Merkle
import SHA2
import SQLiteStore

/// The `merkle_nodes` table as the Merkle module's source of perfect subtrees.
public struct MerkleNodeTable: PerfectSubtreeSource {
    let db: Database

    public init(_ db: Database) { self.db = db }

    public func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest {
        let st = try db.cachedStatement("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        defer { st.reset() }
        try st.bind(.integer(Int64(level)), .integer(Int64(index)))
        guard try st.step(), let bytes = st.blob(0), let digest = SHA256Digest(bytes: bytes) else {
            throw StoreError("Merkle node (level \(level), index \(index)) is missing: the log is damaged")
        }
        return digest
    }

    /// Persists nodes that `CompactRange.append` completed.
    func insert(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)]) throws {
        let st = try db.cachedStatement("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)")
        for node in nodes {
            try st.run(.integer(Int64(node.level)), .integer(Int64(node.index)), .blob(node.hash.bytes))
        }
    }

    /// The log's size: one past the highest leaf stored.
    public func treeSize() throws -> UInt64 {
        UInt64(try db.scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM merkle_nodes WHERE level = 0"))
    }
}
