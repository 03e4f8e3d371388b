import Merkle
import SHA2
import SQLiteStore

/// The log's stored hashes as the Merkle module's source of perfect subtrees.
///
/// Leaf hashes (level 0) live in the reading's own row (`readings.leaf_hash`)
/// or, for leaves that are not readings (key rotations), in `merkle_nodes`.
/// `merkle_nodes` also holds every perfect subtree of level
/// `firstStoredInnerLevel` or more. The levels between are recomputed from at
/// most 2^(firstStoredInnerLevel - 1) leaf hashes when asked for (RFC 9162
/// section 2.1.1: a perfect subtree's hash is `hashChildren` of its halves).
/// Storing them cost a second row per leaf (n - 1 inner nodes for n leaves,
/// 15/16 of them below level 4) in every ingest transaction, and a separate
/// leaf-hash row a third; leaving them out keeps an inclusion proof to three
/// extra range reads of 2, 4 and 8 leaf hashes (docs/performance.md).
public struct MerkleNodeTable: PerfectSubtreeSource {
    /// The lowest level above 0 that is stored.
    public static let firstStoredInnerLevel = 4

    let db: Database

    public init(_ db: Database) { self.db = db }

    public func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest {
        if level == 0 { return try leafHash(index) }
        if level < Self.firstStoredInnerLevel { return try recomputed(level: level, index: index) }
        return try node(level: level, index: index)
    }

    private func leafHash(_ index: UInt64) throws -> SHA256Digest {
        let st = try db.cachedStatement("SELECT leaf_hash FROM readings WHERE leaf_index = ?")
        defer { st.reset() }
        try st.bind(.integer(Int64(index)))
        if try st.step() {
            guard let bytes = st.blob(0), let digest = SHA256Digest(bytes: bytes) else { throw missing(0, index) }
            return digest
        }
        return try node(level: 0, index: index)
    }

    private func node(level: Int, index: UInt64) throws -> SHA256Digest {
        let st = try db.cachedStatement("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        defer { st.reset() }
        try st.bind(.integer(Int64(level)), .integer(Int64(index)))
        guard try st.step(), let bytes = st.blob(0), let digest = SHA256Digest(bytes: bytes) else {
            throw missing(level, index)
        }
        return digest
    }

    /// Subtree `(level, index)` from its 2^level leaf hashes, wherever each is stored.
    private func recomputed(level: Int, index: UInt64) throws -> SHA256Digest {
        let first = index << UInt64(level), count = 1 << level
        var layer = [SHA256Digest?](repeating: nil, count: count)
        for sql in ["SELECT leaf_index, leaf_hash FROM readings WHERE leaf_index >= ? AND leaf_index < ?",
                    "SELECT idx, hash FROM merkle_nodes WHERE level = 0 AND idx >= ? AND idx < ?"] {
            let st = try db.cachedStatement(sql)
            defer { st.reset() }
            try st.bind(.integer(Int64(first)), .integer(Int64(first) + Int64(count)))
            while try st.step() {
                let offset = Int(UInt64(st.int64(0)) - first)
                guard let bytes = st.blob(1), let digest = SHA256Digest(bytes: bytes) else { throw missing(level, index) }
                layer[offset] = digest
            }
        }
        var hashes = try layer.map { digest throws -> SHA256Digest in
            guard let digest else { throw missing(level, index) }
            return digest
        }
        while hashes.count > 1 {
            hashes = stride(from: 0, to: hashes.count, by: 2).map { RFC9162.hashChildren(hashes[$0], hashes[$0 + 1]) }
        }
        return hashes[0]
    }

    private func missing(_ level: Int, _ index: UInt64) -> StoreError {
        StoreError("Merkle node (level \(level), index \(index)) is missing: the log is damaged")
    }

    /// Persists the nodes that `CompactRange.append` completed, except the
    /// levels that are recomputed on demand. Leaf hashes (level 0) are stored
    /// here too: for leaves that are not readings.
    public func insert(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)]) throws {
        try insert(nodes) { $0 == 0 || $0 >= Self.firstStoredInnerLevel }
    }

    /// As `insert`, for readings, whose leaf hash is in their own row.
    func insertAboveLeaves(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)]) throws {
        try insert(nodes) { $0 >= Self.firstStoredInnerLevel }
    }

    private func insert(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)], levels stored: (Int) -> Bool) throws {
        let st = try db.cachedStatement("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)")
        for node in nodes where stored(node.level) {
            try st.run(.integer(Int64(node.level)), .integer(Int64(node.index)), .blob(node.hash.bytes))
        }
    }

    /// The log's size: one past the highest leaf stored (a reading or another leaf).
    public func treeSize() throws -> UInt64 {
        let readings = try db.scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM readings")
        let others = try db.scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM merkle_nodes WHERE level = 0")
        return UInt64(max(readings, others))
    }
}
