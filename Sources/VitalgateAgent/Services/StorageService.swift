import FileIO
import Logging
import Merkle
import SQLiteStore
import Threads

/// Keeps the database inside its budget (docs/storage.md): every
/// `interval` seconds, or when ingest finds the budget reached, it hands
/// full tiles of the log's hashes to the archive (when `archive_dir` is set),
/// prunes readings past the retention, and, above `highWater` of the budget,
/// prunes what may go oldest first down to `lowWater`. What may not go stays;
/// ingest then stops acknowledging until delivery and anchoring let it go
/// (`IngestService.heldForStorage`), and says so in `status` and its log.
public final class StorageService: LoopingPart, Sendable {
    let config: AgentConfig
    let logger: Logger
    public let loop = PartLoop(name: "vg-storage", Shared())
    /// What the last pass found, for ingest and status.
    let facts = LockedBox(Facts())

    /// What ingest tells the storage thread.
    public struct Shared: LoopShared {
        public var stopping = false
        /// Set by `wake`: a pass is wanted now.
        var woken = false
    }

    public struct Facts: Sendable, Equatable {
        public var budgetBytes: Int64 = .max
        public var usedBytes: Int64 = 0
        /// Why the last pass could not prune further, when the budget needed it.
        public var blockedBy: String?
        /// Bytes of free pages in the database file (left by pruning, reused by new rows).
        public var freePageBytes: Int64 = 0
        /// A failure of the last pass that does not hold ingest (the archive).
        public var note: String?
        /// Passes made; 0: nothing is known yet.
        public var passes = 0
    }

    /// `meta` key of the budget last applied, in bytes (for `status`).
    static let budgetKey = "storage_budget_bytes"
    static let interval = Duration.seconds(10)
    /// The WAL is checkpointed once it holds this much (SQLite's default is 1,000 pages).
    static let walCheckpointBytes: Int64 = 4 << 20
    /// How often the WAL's size is looked at.
    static let walCheckInterval = Duration.seconds(1)
    /// Pruning for room starts above this share of the budget and goes down to
    /// `lowWater`: below the 90% at which `status` and the alert warn
    /// (docs/operations.md), so a gateway that can prune never warns.
    static let highWater = 0.85
    static let lowWater = 0.75
    /// Tiles written to the archive per pass (a long backlog is spread over passes).
    static let tilesPerPass = 256

    public init(config: AgentConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Asks for a pass now (ingest found the budget reached).
    public func wake() {
        loop.wake { $0.woken = true }
    }

    public func run() {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(60))
        var db: Database?
        var nextPass = ContinuousClock.now + .seconds(1)
        while true {
            let (stop, passDue) = loop.lock.withLock { locked -> (Bool, Bool) in
                let wait = min(ContinuousClock.now.duration(to: nextPass), Self.walCheckInterval)
                if !locked.state.stopping && !locked.state.woken && wait > .zero { locked.wait(for: wait) }
                defer { locked.state.woken = false }
                return (locked.state.stopping, locked.state.woken || ContinuousClock.now >= nextPass)
            }
            if stop {
                if let db { try? checkpointWAL(db, force: true) }
                return
            }
            do {
                if db == nil {
                    db = try GatewayDatabase.open(config.home)
                    // Its passes read little; SQLite's default 2 MiB page cache would be most of it in RSS.
                    try db!.execute("PRAGMA cache_size = -256")
                }
                try checkpointWAL(db!)
                guard passDue else { continue }
                // The operations service shows what the pass found (status part `storage`).
                try pass(db!)
                backoff.reset()
                nextPass = .now + Self.interval
            } catch {
                db = nil
                let wait = backoff.nextDelay()
                nextPass = .now + wait
                logger.error("storage pass failed: \(error); retrying in \(Int(wait.seconds)) s")
            }
        }
    }

    /// Copies the WAL into the database once it holds `walCheckpointBytes`
    /// (PASSIVE: writers go on meanwhile; SQLite then starts the WAL over).
    func checkpointWAL(_ db: Database, force: Bool = false) throws {
        guard force || (Files.size(config.home.database + "-wal") ?? 0) >= Self.walCheckpointBytes else { return }
        try db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// One pass; what it found goes to `facts`.
    func pass(_ db: Database) throws {
        let archive = config.storage.archiveDirectory.map { TileArchive(directory: $0) }
        let nodes = MerkleNodeTable(db, archive: archive)
        var notes: [String] = []
        if let archive {
            do {
                let archived = try TileArchiver(db, nodes: nodes, archive: archive, origin: GatewayHome.origin(gatewayID: config.gatewayID))
                    .archive(maxTiles: Self.tilesPerPass)
                if archived > 0 { logger.info("archive: \(archived) tiles written to \(archive.directory) and read back") }
            } catch {
                logger.warning("archive: \(error)")
                notes.append("archive: \(error)")
            }
        }
        let now = WallClock.nowMillis()
        let pruner = ReadingPruner(db, nodes: nodes, retainMillis: config.storage.retainMillis, deliveryOn: config.clinic != nil)
        var outcome = try pruner.prune(now: now)
        let budget = config.storage.budgetBytes(databasePath: config.home.database)
        if try db.meta(Self.budgetKey) != String(budget) { try db.setMeta(Self.budgetKey, String(budget)) }
        var used = try StorageUse.usedBytes(db)
        var blockedBy: String?
        if Double(used) > Double(budget) * Self.highWater {
            let room = try pruner.prune(now: now, needRoom: true) {
                Double(try StorageUse.usedBytes(db)) <= Double(budget) * Self.lowWater
            }
            outcome.pruned += room.pruned
            outcome.tilesKept += room.tilesKept
            used = try StorageUse.usedBytes(db)
            // Not down to the low water: what stopped the pruner holds the budget
            // (ingest stops acknowledging once `used` reaches it).
            if let stop = room.stoppedBy, stop != .enough, Double(used) > Double(budget) * Self.lowWater { blockedBy = stop.rawValue }
        }
        _ = try pruner.pruneCheckpoints(now: now)
        if outcome.pruned > 0 {
            logger.info("pruned \(outcome.pruned) readings (delivered, anchored, past the retention or over the budget); \(outcome.tilesKept) tiles of their hashes kept here")
        }
        let freePages = try db.scalar("PRAGMA freelist_count") * (try db.scalar("PRAGMA page_size"))
        facts.withLock {
            $0 = Facts(budgetBytes: budget, usedBytes: used, blockedBy: blockedBy, freePageBytes: freePages,
                       note: notes.isEmpty ? nil : notes.joined(separator: "; "), passes: $0.passes + 1)
        }
        logger.debug("storage pass: pruned \(outcome.pruned) (stopped by \(outcome.stoppedBy?.rawValue ?? "nothing")); \(used) of \(budget) bytes used")
    }
}

/// Writes full tiles of the log's hashes to the archive in order (level 0,
/// then level 1), each read back before it counts as archived, then drops
/// the local copies the archive now holds: level-0 tiles kept in `tiles`,
/// and the level-8 rows of an archived level-1 tile whose readings are all
/// pruned. Levels 16 and up always stay (one row per 65,536 leaves).
struct TileArchiver {
    let db: Database
    let nodes: MerkleNodeTable
    let archive: TileArchive
    let origin: String

    init(_ db: Database, nodes: MerkleNodeTable, archive: TileArchive, origin: String) {
        self.db = db
        self.nodes = nodes
        self.archive = archive
        self.origin = origin
    }

    /// Returns the number of tiles written (at most `maxTiles`).
    func archive(maxTiles: Int) throws -> Int {
        let layout = MerkleNodeTable.layout
        let state = TileArchiveState(db)
        let size = try nodes.treeSize()
        var written = 0
        var claimed = false
        for level in 0...1 {
            let full = layout.fullTiles(level: level, treeSize: size)
            var next = try state.archived(level: level)
            while next < full && written < maxTiles {
                if !claimed {
                    let firstUse = try state.archived(level: 0) == 0 && state.archived(level: 1) == 0
                    try archive.claim(origin: origin, firstUse: firstUse)
                    claimed = true
                }
                let tile = TileCoordinate(level: level, index: next, width: layout.width)
                let hashes = try nodes.fullTile(tile)
                guard Tiles.fold(hashes) == (try nodes.perfectSubtree(level: tile.hashLevel + layout.height, index: tile.index)) else {
                    throw StoreError("the hashes of \(tile.path) do not fold to the log's node above them: the log is damaged; nothing is archived")
                }
                try archive.store(tile, bytes: Tiles.encode(hashes))
                next += 1
                written += 1
                try db.transaction(.immediate) { try state.setArchived(level: level, next) }
            }
        }
        try dropArchivedCopies()
        return written
    }

    func dropArchivedCopies() throws {
        let layout = MerkleNodeTable.layout
        let state = TileArchiveState(db)
        let level0 = try state.archived(level: 0), level1 = try state.archived(level: 1)
        let prunedBelow = UInt64(try db.meta(ReadingPruner.prunedBelowKey).flatMap { UInt64($0) } ?? 0)
        // Level-8 rows (one per level-0 tile) of level-1 tiles archived and wholly pruned.
        let span = UInt64(layout.width) << UInt64(layout.height)  // leaves per level-1 tile
        let droppable = min(level1, prunedBelow / span) << UInt64(layout.height)
        try db.transaction(.immediate) {
            try db.cachedStatement("DELETE FROM tiles WHERE level = 0 AND idx < ?").run(.integer(Int64(level0)))
            try db.cachedStatement("DELETE FROM merkle_nodes WHERE level = ? AND idx < ?")
                .run(.integer(Int64(layout.height)), .integer(Int64(droppable)))
        }
    }
}
