import Merkle
import SHA2
import SQLiteStore

/// The log's stored hashes as the Merkle module's source of perfect subtrees,
/// kept as the C2SP tlog-tiles layout cuts them (https://c2sp.org/tlog-tiles,
/// docs/storage.md): only the hashes of Merkle levels 0, 8, 16, … (the rows
/// tiles of 256 are made of) are stored; every node in between is recomputed
/// from at most 128 of them (RFC 9162 section 2.1.1: a perfect subtree's hash
/// is `hashChildren` of its halves).
///
/// Where each row lives:
/// - level 0, leaf hashes: in the reading's own row (`readings.leaf_hash`)
///   while the reading is held, or in `merkle_nodes` for leaves that are not
///   readings (key rotations); once a full tile's readings are pruned, in the
///   `tiles` table (one 8 KiB row per 256 leaves) or in the archive folder;
/// - levels 8, 16, …: in `merkle_nodes`, one row per complete subtree (one
///   per 256 leaves at level 8), until a full level-1 tile of them has been
///   archived and its leaves pruned; then in the archive.
///
/// Storing levels 4 to 7 as well (before issue 14) put up to four more rows,
/// on four pages, into every ingest commit; now a commit adds one row at
/// level 8 every 256 readings (docs/performance.md).
public struct MerkleNodeTable: PerfectSubtreeSource {
    /// tlog-tiles: tiles of 256 hashes, so stored rows at levels 0, 8, 16, …
    public static let layout = TileLayout.tlog

    let db: Database
    /// Where full tiles handed to the archive are read back, if one is set.
    let archive: TileArchive?
    private let cache = TileCache()

    public init(_ db: Database, archive: TileArchive? = nil) {
        self.db = db
        self.archive = archive
    }

    /// A node: from the cached tree of its full tile, else from its tile's
    /// stored row (read whole, once: a proof needs up to eight spans of one
    /// tile), folded, or, when the rows lack a hash of it, from the whole
    /// tile kept or archived. A full tile's subtree is kept for the next node.
    public func perfectSubtree(level: Int, index: UInt64) throws -> SHA256Digest {
        let width = Self.layout.width
        let span = Self.layout.span(level: level, index: index)
        let tile = TileCoordinate(level: span.tileLevel, index: span.tileIndex, width: width)
        let rise = level % Self.layout.height
        if let tree = cache.trees[tile] { return tree[rise][span.offset >> rise] }
        let row = try StoredRows(table: self).rowFromRows(tile)
        var hashes = row.compactMap { $0 }
        if hashes.count != width {
            let needed = row[span.offset..<(span.offset + span.count)].compactMap { $0 }
            if needed.count == span.count { return span.count == 1 ? needed[0] : Tiles.fold(needed) }
            // Not in rows: this tile's hashes were pruned or archived.
            hashes = try tileHashes(tile)
        }
        let tree = Tiles.subtreeRows(hashes)
        cache.keep(tile, tree: tree)
        return tree[rise][span.offset >> rise]
    }

    /// Whether Merkle level `level` is stored (the others are recomputed).
    static func isStored(level: Int) -> Bool { level % layout.height == 0 }

    /// Persists the nodes that `CompactRange.append` completed at the stored
    /// levels. Leaf hashes (level 0) are stored here too: for leaves that are
    /// not readings.
    public func insert(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)]) throws {
        try insert(nodes) { Self.isStored(level: $0) }
    }

    /// As `insert`, for readings, whose leaf hash is in their own row.
    func insertAboveLeaves(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)]) throws {
        try insert(nodes) { $0 > 0 && Self.isStored(level: $0) }
    }

    private func insert(_ nodes: [(level: Int, index: UInt64, hash: SHA256Digest)], levels stored: (Int) -> Bool) throws {
        for node in nodes where stored(node.level) {
            try db.cachedStatement("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)")
                .run(.integer(Int64(node.level)), .integer(Int64(node.index)), .blob(node.hash.bytes))
        }
    }

    /// The log's size: one past the highest leaf any stored row accounts for
    /// (a held reading, another leaf, a level-8k node, a kept tile). Pruning
    /// never removes the readings of the partial tile at the end, and every
    /// full tile leaves its node one tile level up, so this is exact.
    public func treeSize() throws -> UInt64 {
        var size = UInt64(try db.scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM readings"))
        var level = 0
        while level < 64 {
            if let top = try db.optionalScalar("SELECT MAX(idx) FROM merkle_nodes WHERE level = ?", .integer(Int64(level))) {
                size = max(size, UInt64(top + 1) << UInt64(level))
            }
            level += Self.layout.height
        }
        if try db.tableExists("tiles"), let top = try db.optionalScalar("SELECT MAX(idx) FROM tiles WHERE level = 0") {
            size = max(size, UInt64(top + 1) << UInt64(Self.layout.height))
        }
        return size
    }

    /// The 256 hashes of full tile `tile` as the log holds them (rows, a
    /// kept tile, or the archive, checked): what the archive and pruning store.
    func fullTile(_ tile: TileCoordinate) throws -> [SHA256Digest] {
        try StoredRows(table: self).hashes(level: tile.hashLevel, from: tile.firstHash, count: Self.layout.width)
    }
}

extension MerkleNodeTable {
    /// Hashes of one stored level, from wherever the log keeps them.
    struct StoredRows: TileRows {
        let table: MerkleNodeTable
        var db: Database { table.db }

        func hashes(level: Int, from first: UInt64, count: Int) throws -> [SHA256Digest] {
            let layout = MerkleNodeTable.layout
            let tile = TileCoordinate(level: level / layout.height, index: first >> UInt64(layout.height), width: layout.width)
            let offset = Int(first & UInt64(layout.width - 1))
            let needed = try rowFromRows(tile)[offset..<(offset + count)].compactMap { $0 }
            if needed.count == count { return needed }
            return Array(try table.tileHashes(tile)[offset..<(offset + count)])
        }

        /// The hashes of `tile` (its row of Merkle level `hashLevel`) that
        /// rows hold (held readings, other leaves, level-8k nodes), 256
        /// slots, nil where a hash is not in a row.
        func rowFromRows(_ tile: TileCoordinate) throws -> [SHA256Digest?] {
            let width = MerkleNodeTable.layout.width, level = tile.hashLevel
            let first = Int64(tile.firstHash), end = first + Int64(width)
            var found = [SHA256Digest?](repeating: nil, count: width)
            var present = 0
            func take(_ sql: String, _ values: SQLiteValue...) throws {
                let st = try db.cachedStatement(sql)
                defer { st.reset() }
                try st.bind(values)
                while try st.step() {
                    let offset = Int(st.int64(0) - first)
                    guard offset >= 0, offset < width, found[offset] == nil else { continue }
                    guard let digest = st.digest(1) else {
                        throw StoreError("the stored hash at Merkle level \(level), index \(Int(first) + offset) is not 32 bytes: the log is damaged")
                    }
                    found[offset] = digest
                    present += 1
                }
            }
            if level == 0 {
                try take("SELECT leaf_index, leaf_hash FROM readings WHERE leaf_index >= ? AND leaf_index < ? AND leaf_hash IS NOT NULL",
                         .integer(first), .integer(end))
            }
            if present < width {
                try take("SELECT idx, hash FROM merkle_nodes WHERE level = ? AND idx >= ? AND idx < ?", .integer(Int64(level)), .integer(first), .integer(end))
            }
            return found
        }
    }

    /// A full tile that is no longer in rows: from the `tiles` table, else
    /// from the archive, whose copy is checked against the log before use
    /// (its hashes must fold to the node one tile level up, which the log
    /// holds or gets from a tile above, checked the same way).
    func tileHashes(_ tile: TileCoordinate) throws -> [SHA256Digest] {
        if let cached = cache.hashes[tile] { return cached }
        let width = Self.layout.width
        let st = try db.cachedStatement("SELECT hashes FROM tiles WHERE level = ? AND idx = ?")
        defer { st.reset() }
        try st.bind(.integer(Int64(tile.level)), .integer(Int64(tile.index)))
        if try st.step() {
            guard let hashes = Tiles.decode(st.blob(0) ?? [], expected: width) else {
                throw StoreError("the kept tile \(tile.path) is not \(width) hashes: the log is damaged")
            }
            cache.keep(tile, hashes)
            return hashes
        }
        let archived = try TileArchiveState(db).archived(level: tile.level)
        let leaves = "leaves [\(tile.firstHash << UInt64(tile.hashLevel)), \((tile.firstHash + UInt64(width)) << UInt64(tile.hashLevel)))"
        guard tile.index < archived else {
            throw StoreError("the log's hashes for \(leaves) (tile \(tile.path)) are missing: the log is damaged")
        }
        guard let archive else {
            throw StoreError("the log's hashes for \(leaves) were handed to the archive as \(tile.path) and dropped here, but no archive_dir is set: set it to the archive folder to make this proof")
        }
        let hashes = try archive.checkedTile(tile) { try perfectSubtree(level: tile.hashLevel + Self.layout.height, index: tile.index) }
        cache.keep(tile, hashes)
        return hashes
    }
}

/// Full tiles read while one `MerkleNodeTable` is in use, each with every
/// node of its subtree (a proof touches a few tiles; the next proof reuses
/// the upper ones). Full tiles never change, so nothing goes stale.
final class TileCache {
    var hashes: [TileCoordinate: [SHA256Digest]] = [:]
    var trees: [TileCoordinate: [[SHA256Digest]]] = [:]
    static let limit = 32

    func keep(_ tile: TileCoordinate, _ value: [SHA256Digest]) {
        if hashes.count >= Self.limit { hashes.removeAll(keepingCapacity: true) }
        hashes[tile] = value
    }

    func keep(_ tile: TileCoordinate, tree: [[SHA256Digest]]) {
        if trees.count >= Self.limit { trees.removeAll(keepingCapacity: true) }
        trees[tile] = tree
    }
}

extension Statement {
    /// A 32-byte blob column as a digest, read in place; nil for NULL or another length.
    func digest(_ column: Int32) -> SHA256Digest? {
        withBlob(column) { SHA256Digest(raw: $0) }
    }
}

extension Database {
    /// A single integer, or nil when the query yields no row or NULL.
    func optionalScalar(_ sql: String, _ values: SQLiteValue...) throws -> Int64? {
        let st = try cachedStatement(sql)
        defer { st.reset() }
        try st.bind(values)
        guard try st.step(), !st.isNull(0) else { return nil }
        return st.int64(0)
    }
}
