#if canImport(Glibc)
import FileIO
import Glibc
#endif
import SQLiteStore

/// Opening the gateway's SQLite file: WAL and `synchronous=FULL` (so a commit
/// survives power loss, which is the point of safety for every reading), and
/// the newest schema.
public enum GatewayDatabase {
    /// The widest mode of the database and its `-wal` and `-shm`: they hold
    /// device ids, patient references and (sealed) readings, so the owner
    /// writes, the group may read (backups), others get nothing.
    public static let fileMode: mode_t = 0o640
    /// The page size of a new database (docs/performance.md, "Writes"): each
    /// commit writes whole pages, and with commits of tens of readings most of
    /// them hold little that is new; existing databases keep theirs.
    /// `VITALGATE_PAGE_SIZE` overrides it (for measuring).
    static let pageSize: Int = getenv("VITALGATE_PAGE_SIZE").flatMap { Int(String(cString: $0)) } ?? 4096
    /// For measuring: `VITALGATE_WAL_AUTOCHECKPOINT` pages brings back SQLite's
    /// checkpoint in the committing connection (0, the default, leaves it to the storage service).
    static let walAutocheckpointPages: Int = getenv("VITALGATE_WAL_AUTOCHECKPOINT").flatMap { Int(String(cString: $0)) } ?? 0
    /// The WAL's size once checkpointed (SQLite's `journal_size_limit`).
    public static let walLimitBytes = 8 << 20

    public static func open(_ home: GatewayHome, readOnly: Bool = false) throws -> Database {
        // A reader on a gateway never provisioned gets a sentence, not SQLite's "unable to open".
        if readOnly && !Files.exists(home.database) {
            throw StoreError("no database at \(home.database): provision this gateway first (`vitalgate provision --home \(home.path) --gateway-id ID`)")
        }
        try restrictModes(home, create: !readOnly)
        var options = Database.Options()
        options.readOnly = readOnly
        options.synchronousFull = true
        options.pageSize = pageSize
        let db = try Database(path: home.database, options: options)
        if !readOnly {
            // After a checkpoint the WAL is cut back to this size if a large transaction
            // (a migration, a big prune) grew it (docs/storage.md).
            try db.execute("PRAGMA journal_size_limit = \(walLimitBytes)")
            // No connection checkpoints the WAL on its own commit: a checkpoint copies
            // megabytes and syncs the database file, which held up the acknowledgements
            // of the commit that ran it. The storage service checkpoints instead
            // (`StorageService.checkpointWAL`, without blocking writers); SQLite still
            // checkpoints when the last connection closes.
            try db.execute("PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)")
            try Schema.migrate(db)
        }
        return db
    }
}

extension GatewayDatabase {
    /// SQLite creates a new database 0644 (less the umask) and gives `-wal`
    /// and `-shm` the main file's mode when it creates them. So the main file
    /// is created empty with `fileMode` before SQLite opens it (an empty file
    /// is an empty database), and files an older release left wider are
    /// narrowed on every open. A reader that does not own them (chmod
    /// refused) opens them anyway; the agent and every command that writes fail.
    static func restrictModes(_ home: GatewayHome, create: Bool) throws {
        do {
            if create { try Files.createIfMissing(home.database, mode: fileMode) }
            for path in [home.database, home.database + "-wal", home.database + "-shm"] {
                try Files.restrictMode(path, to: fileMode)
            }
        } catch {
            // Typed throws: `error` is a FileError. (Not `catch let x as FileError`:
            // an always-true cast of a typed error crashes Debian's Swift 6.2.3 SIL verifier.)
            if create { throw StoreError(error.description) }
        }
    }
}

/// Errors about what the database holds, phrased for the person at the console.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Database {
    /// One `meta` value.
    public func meta(_ key: String) throws -> String? {
        let st = try cachedStatement("SELECT value FROM meta WHERE key = ?")
        defer { st.reset() }
        try st.bind(.text(key))
        return try st.step() ? st.text(0) : nil
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try cachedStatement("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run(.text(key), .text(value))
    }

    /// Whether table `name` exists: a reader (status, export) may open a
    /// database an earlier release wrote, before the agent migrates it.
    func tableExists(_ name: String) throws -> Bool {
        try scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", .text(name)) > 0
    }

    /// Records what the agent last saw of a peer (broker, ledger) for `status`.
    public func setAgentState(_ key: String, _ value: String, at millis: Int64) throws {
        try cachedStatement("""
            INSERT INTO agent_state(key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """).run(.text(key), .text(value), .integer(millis))
    }
}
