#if canImport(Glibc)
import FileIO
import Glibc
#endif
import Merkle
import SHA2
import SQLiteStore

/// Retention (docs/storage.md, "What is pruned, and when"): removes readings
/// the gateway need not hold any more, oldest first. A reading may go only
/// when all of these hold:
///
/// 1. the clinic has it: its delivery is `delivered` (or `unassigned`: it
///    belongs to no patient and is never delivered), or delivery is off;
/// 2. a final anchor covers it (`anchors.state = 'final'`, tree size above
///    its leaf index): its proof can be made without the payload;
/// 3. it is older than the retention (`retain_days`), or the storage budget
///    needs the room.
///
/// Its leaf hash stays in the log: before the first reading of a tile of 256
/// goes, the tile is kept in `tiles` unless the archive already holds it.
/// Whatever may not go stays: a reading whose delivery failed for good (a 4xx
/// from the clinic) is kept and skipped; delivery pending or an anchor not
/// yet final stops the pass, since both advance in log order.
public struct ReadingPruner {
    /// Every reading below this leaf index that may go has gone (kept ones remain).
    static let prunedBelowKey = "pruned_below"
    /// How many readings were pruned, ever (`status` adds them to `stored`).
    static let prunedCountKey = "readings_pruned"
    /// The newest `received_at` of a pruned reading (for status: how far back the gateway holds).
    static let prunedReceivedKey = "pruned_received_max"
    /// Tiles looked at per transaction: ingest waits for the write lock meanwhile.
    static let tilesPerTransaction = 16

    let db: Database
    let nodes: MerkleNodeTable
    let retainMillis: Int64
    let deliveryOn: Bool
    let layout = MerkleNodeTable.layout

    public init(_ db: Database, nodes: MerkleNodeTable, retainMillis: Int64, deliveryOn: Bool) {
        self.db = db
        self.nodes = nodes
        self.retainMillis = retainMillis
        self.deliveryOn = deliveryOn
    }

    public struct Outcome: Equatable, Sendable {
        public var pruned = 0
        /// Tiles of leaf hashes written to `tiles` (not archived when their readings went).
        public var tilesKept = 0
        /// Why the pass stopped before the end of the log, if it did.
        public var stoppedBy: Stop?
    }

    public enum Stop: String, Sendable, Equatable {
        // Table-like data (duplicates): what each stop says in the pruner's report: raw values, not logic.
        case retention = "readings inside the retention"
        case delivery = "readings not yet delivered to the clinic"
        case anchor = "readings not yet covered by a final anchor"
        case partialTile = "the newest tile of the log, not yet full"
        case enough = "enough room freed"
    }

    /// One pass, oldest first. With `needRoom`, age does not count (the budget
    /// needs room), and the pass stops once `roomFreed()` says so (checked
    /// after each transaction).
    public func prune(now: Int64, needRoom: Bool = false, roomFreed: () throws -> Bool = { false }) throws -> Outcome {
        var outcome = Outcome()
        let cutoff = now - retainMillis
        while true {
            let (done, stop) = try db.transaction(.immediate) { () -> (Bool, Stop?) in
                let anchored = UInt64(try db.scalar("SELECT COALESCE(MAX(tree_size), 0) FROM anchors WHERE state = 'final'"))
                let fullTiles = layout.fullTiles(level: 0, treeSize: try nodes.treeSize())
                var tile = UInt64(try db.meta(Self.prunedBelowKey).flatMap { UInt64($0) } ?? 0) >> UInt64(layout.height)
                for _ in 0..<Self.tilesPerTransaction {
                    guard tile < fullTiles else { return (true, .partialTile) }
                    let end = (tile + 1) << UInt64(layout.height)
                    let rows = try db.prepare("""
                        SELECT r.leaf_index, r.received_at, r.ts, d.state FROM readings r LEFT JOIN deliveries d ON d.leaf_index = r.leaf_index
                        WHERE r.leaf_index >= ? AND r.leaf_index < ? ORDER BY r.leaf_index
                        """).rows(.integer(Int64(tile << UInt64(layout.height))), .integer(Int64(end))) {
                        (leaf: UInt64($0.int64(0)), received: $0.int64(1), ts: $0.int64(2), delivery: $0.text(3))
                    }
                    var going: [UInt64] = [], stop: Stop?
                    var newest: Int64 = 0
                    for row in rows {
                        if row.leaf >= anchored { stop = .anchor; break }
                        if !needRoom && row.received >= cutoff { stop = .retention; break }
                        if deliveryOn {
                            if row.delivery == "failed" { continue }  // kept: the clinic refused it
                            if row.delivery != "delivered" && row.delivery != "unassigned" { stop = .delivery; break }
                        }
                        going.append(row.leaf)
                        newest = max(newest, row.received)
                    }
                    if !going.isEmpty {
                        outcome.tilesKept += try keepTile(tile, rows: rows.map { ($0.leaf, $0.ts) })
                        let delivery = try db.cachedStatement("DELETE FROM deliveries WHERE leaf_index = ?")
                        let reading = try db.cachedStatement("DELETE FROM readings WHERE leaf_index = ?")
                        for leaf in going {
                            try delivery.run(.integer(Int64(leaf)))
                            try reading.run(.integer(Int64(leaf)))
                        }
                        outcome.pruned += going.count
                        try addMeta(Self.prunedCountKey, Int64(going.count))
                        let before = Int64(try db.meta(Self.prunedReceivedKey) ?? "0") ?? 0
                        if newest > before { try db.setMeta(Self.prunedReceivedKey, String(newest)) }
                    }
                    if let stop { return (true, stop) }
                    tile += 1
                    try db.setMeta(Self.prunedBelowKey, String(tile << UInt64(layout.height)))
                }
                try forgetDeliveredBatches()
                return (false, nil)
            }
            if done {
                try db.transaction(.immediate) { try forgetDeliveredBatches() }
                outcome.stoppedBy = stop
                return outcome
            }
            if needRoom, try roomFreed() {
                outcome.stoppedBy = .enough
                return outcome
            }
        }
    }

    /// Before readings of full tile `tile` go: keeps its leaf hashes in
    /// `tiles` unless the archive holds it (or it is kept already), and
    /// widens the reading-time span of its 65,536-leaf group (`tile_spans`),
    /// by which `export --reading` finds a pruned reading. Returns 1 if a tile was written.
    private func keepTile(_ tile: UInt64, rows: [(leaf: UInt64, ts: Int64)]) throws -> Int {
        if let low = rows.map(\.ts).min(), let high = rows.map(\.ts).max() {
            try db.cachedStatement("""
                INSERT INTO tile_spans(idx, ts_min, ts_max) VALUES (?, ?, ?)
                ON CONFLICT(idx) DO UPDATE SET ts_min = MIN(ts_min, excluded.ts_min), ts_max = MAX(ts_max, excluded.ts_max)
                """).run(.integer(Int64(tile >> UInt64(layout.height))), .integer(low), .integer(high))
        }
        guard tile >= (try TileArchiveState(db).archived(level: 0)) else { return 0 }
        guard try db.scalar("SELECT COUNT(*) FROM tiles WHERE level = 0 AND idx = ?", .integer(Int64(tile))) == 0 else { return 0 }
        let coordinate = TileCoordinate(level: 0, index: tile, width: layout.width)
        let hashes = try nodes.fullTile(coordinate)
        // The hashes must still make the node one tile level up that the log holds.
        let above = try nodes.perfectSubtree(level: layout.height, index: tile)
        guard Tiles.fold(hashes) == above else {
            throw StoreError("the leaf hashes of \(coordinate.path) do not fold to the log's node above them: the log is damaged; nothing is pruned")
        }
        try db.cachedStatement("INSERT INTO tiles(level, idx, hashes) VALUES (0, ?, ?)").run(.integer(Int64(tile)), .blob(Tiles.encode(hashes)))
        return 1
    }

    /// Delivered batches none of whose readings are held any more.
    private func forgetDeliveredBatches() throws {
        try db.execute("""
            DELETE FROM delivery_batches WHERE state = 'delivered'
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.batch = delivery_batches.id)
            """)
    }

    private func addMeta(_ key: String, _ delta: Int64) throws {
        try db.cachedStatement("""
            INSERT INTO meta(key, value) VALUES (?, ?)
            ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value
            """).run(.text(key), .text(String(delta)))
    }

    /// Checkpoints older than the retention that no anchor or held delivery
    /// batch names, except the newest: at 1,000 readings/s one is signed per
    /// second, which would otherwise grow without bound.
    public func pruneCheckpoints(now: Int64) throws -> Int {
        try db.transaction(.immediate) {
            try db.cachedStatement("""
                DELETE FROM checkpoints WHERE created_at < ?
                AND tree_size < (SELECT MAX(tree_size) FROM checkpoints)
                AND tree_size NOT IN (SELECT tree_size FROM anchors)
                AND tree_size NOT IN (SELECT checkpoint_size FROM delivery_batches)
                """).run(.integer(now - retainMillis))
            return db.changes
        }
    }
}

/// How much of its budget the database uses: its pages in use. Free pages
/// (left by pruning) are reused, so the file keeps its high-water size and
/// stops growing; the WAL beside it is bounded by checkpoints
/// (`GatewayDatabase.walLimitBytes`), not counted here.
public enum StorageUse {
    public static func usedBytes(_ db: Database) throws -> Int64 {
        let pages = try db.scalar("PRAGMA page_count"), free = try db.scalar("PRAGMA freelist_count")
        return (pages - free) * (try db.scalar("PRAGMA page_size"))
    }
}
