import JSON
import SQLiteStore

/// The storage part of `vitalgate status` (docs/storage.md): what the
/// database holds and uses against its budget, what was pruned, what the
/// archive has. Read with the status report's read-only connection.
public struct StorageFacts: Sendable {
    /// Readings whose payload is held.
    public var held: Int64
    /// Readings pruned (their leaf hashes stay in the log).
    public var pruned: Int64
    /// Pages in use (`StorageUse`) and the file's size (free pages included).
    public var usedBytes: Int64
    public var fileBytes: Int64
    /// The budget the agent last applied, if it has run since issue 14.
    public var budgetBytes: Int64?
    /// Access-event leaves held (docs/audit.md): never pruned, they count in `used_bytes`.
    public var auditEvents: Int64
    /// When the oldest held reading was received (ms).
    public var oldestHeldAt: Int64?
    /// Full tiles of leaf hashes kept in the database (pruned, not archived).
    public var tilesKept: Int64
    /// Full tiles written to the archive and read back, per tile level.
    public var archivedTiles: [Int64]

    public init(db: Database) throws {
        held = try db.scalar("SELECT COUNT(*) FROM readings")
        pruned = Int64(try db.meta(ReadingPruner.prunedCountKey) ?? "0") ?? 0
        usedBytes = try StorageUse.usedBytes(db)
        fileBytes = try db.scalar("PRAGMA page_count") * (try db.scalar("PRAGMA page_size"))
        budgetBytes = try db.meta(StorageService.budgetKey).flatMap { Int64($0) }
        auditEvents = try db.tableExists("audit_events") ? try db.scalar("SELECT COUNT(*) FROM audit_events") : 0
        oldestHeldAt = try db.optionalScalar("SELECT received_at FROM readings ORDER BY leaf_index LIMIT 1")
        tilesKept = try db.tableExists("tiles") ? try db.scalar("SELECT COUNT(*) FROM tiles") : 0
        let archive = TileArchiveState(db)
        archivedTiles = [Int64(try archive.archived(level: 0)), Int64(try archive.archived(level: 1))]
    }

    public var json: JSONValue {
        .object(JSONObject([
            (key: "held", value: .int(held)),
            (key: "pruned", value: .int(pruned)),
            (key: "used_bytes", value: .int(usedBytes)),
            (key: "file_bytes", value: .int(fileBytes)),
            (key: "budget_bytes", value: budgetBytes.map { .int($0) } ?? .null),
            (key: "audit_events", value: .int(auditEvents)),
            (key: "oldest_held_received_at", value: oldestHeldAt.map { .int($0) } ?? .null),
            (key: "tiles_kept", value: .int(tilesKept)),
            (key: "archived_tiles", value: .array(archivedTiles.map { .int($0) })),
        ]))
    }

    /// The lines `vitalgate status` prints.
    public var lines: [String] {
        func mib(_ n: Int64) -> String {
            let tenths = (n * 10 + (1 << 19)) >> 20
            return "\(tenths / 10).\(tenths % 10) MiB"
        }
        let used = "\(mib(usedBytes)) used" + (budgetBytes.map { " of \(mib($0))" } ?? "") + ", file \(mib(fileBytes))"
        return [
            "  readings   held \(held), pruned \(pruned), access events \(auditEvents) (kept); \(used)",
            "  log hashes \(tilesKept) tiles kept here, archived \(archivedTiles[0]) (level 0), \(archivedTiles[1]) (level 1)",
        ]
    }
}
