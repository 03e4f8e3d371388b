import Merkle
import SHA2
import SQLiteStore

/// The `merkle_nodes` table as the Merkle module's source of perfect subtrees.
///
/// Stored: every leaf hash (level 0) and every perfect subtree of level
/// `firstStoredInnerLevel` or more. The levels between are recomputed from at
/// most 2^(firstStoredInnerLevel - 1) leaf hashes when asked for (RFC 9162
/// section 2.1.1: a perfect subtree's hash is `hashChildren` of its halves).
/// Storing them cost a second row per leaf (n - 1 inner nodes for n leaves,
/// 15/16 of them below level 4) in every ingest transaction; leaving them out
/// keeps an inclusion proof to three extra range reads of 2, 4 and 8 leaf
/// hashes (docs/performance.md).
public struct MerkleNodeTable: PerfectSubtreeSource {
    /// The lowest level above 0 that is stored.
    public static let firstStoredInnerLevel = 4

    let db: Database

    public init(_ db: Database) { self.db = db }

    public func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest {
        if level > 0 && level < Self.firstStoredInnerLevel { return try recomputed(level: level, index: index) }
        let st = try db.cachedStatement("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        defer { st.reset() }
        try st.bind(.integer(Int64(level)), .integer(Int64(index)))
        guard try st.step(), let bytes = st.blob(0), let digest = SHA256Digest(bytes: bytes) else {
            throw missing(level, index)
        }
        return digest
    }

    /// Subtree `(level, index)` from its 2^level leaf hashes.
    private func recomputed(level: Int, index: UInt64) throws -> SHA256Digest {
        let first = index << UInt64(level), count = 1 << level
        let st = try db.cachedStatement("SELECT hash FROM merkle_nodes WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx")
        defer { st.reset() }
        try st.bind(.integer(Int64(first)), .integer(Int64(first) + Int64(count)))
        var layer: [SHA256Digest] = []
        layer.reserveCapacity(count)
        while try st.step() {
            guard let bytes = st.blob(0), let digest = SHA256Digest(bytes: bytes) else { throw missing(level, index) }
            layer.append(digest)
        }
        // Leaf indices are unique (the primary key), so `count` rows in range means all of them.
        guard layer.count == count else { throw missing(level, index) }
        while layer.count > 1 {
            layer = stride(from: 0, to: layer.count, by: 2).map { RFC9162.hashChildren(layer[$0], layer[$0 + 1]) }
        }
        return layer[0]
    }

    private func missing(_ level: Int, _ index: UInt64) -> StoreError {
        StoreError("Merkle node (level \(level), index \(index)) is missing: the log is damaged")
    }

    /// Persists the nodes that `CompactRange.append` completed, except the
    /// levels that are recomputed on demand.
    public func insert(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)]) throws {
        let st = try db.cachedStatement("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)")
        for node in nodes where node.level == 0 || node.level >= Self.firstStoredInnerLevel {
            try st.run(.integer(Int64(node.level)), .integer(Int64(node.index)), .blob(node.hash.bytes))
        }
    }

    /// The log's size: one past the highest leaf stored.
    public func treeSize() throws -> UInt64 {
        UInt64(try db.scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM merkle_nodes WHERE level = 0"))
    }
}
