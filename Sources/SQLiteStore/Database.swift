import CSQLite

/// One SQLite connection.
///
/// Thread safety: the connection is opened with `SQLITE_OPEN_NOMUTEX`, so it
/// must not be used by two threads at the same time. It may move between
/// threads (hence `Sendable`), e.g. owned by one actor or guarded by a lock.
/// For concurrent readers, open one read-only `Database` per reader: in WAL
/// mode they read the last committed state without blocking the writer.
public final class Database: @unchecked Sendable {
    // @unchecked: wraps a `sqlite3 *` opened NOMUTEX; it may move between threads but is used by one at a time (above).
    /// How the connection is opened.
    public struct Options: Sendable {
        /// Open with `SQLITE_OPEN_READONLY`; the file must exist.
        public var readOnly = false
        /// How long a call waits for another connection's lock before
        /// failing with `SQLITE_BUSY`.
        public var busyTimeoutMillis: Int32 = 5000
        /// `PRAGMA synchronous=FULL`: in WAL mode, every commit is fsynced,
        /// so a committed reading survives power loss. `false` selects NORMAL
        /// (durable against application crashes, not power loss).
        public var synchronousFull = true
        /// `PRAGMA page_size` for a database created by this connection (set
        /// before WAL, after which it cannot change); an existing one keeps its own.
        public var pageSize: Int?
        public init() {}
    }

    /// The `sqlite3*` handle; valid until the last statement is finalized
    /// (closed with `sqlite3_close_v2`).
    let handle: OpaquePointer
    /// Statements prepared by `cachedStatement`, keyed by SQL text.
    private var cache: [String: Statement] = [:]

    /// Opens (creating unless read-only) the database at `path`, then sets
    /// WAL journaling (writers only), `synchronous`, `foreign_keys=ON` and
    /// the busy timeout.
    public init(path: String, options: Options = .init()) throws(SQLiteError) {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var opened: OpaquePointer?
        let rc = sqlite3_open_v2(path, &opened, flags, nil)
        guard rc == SQLITE_OK, let opened else {
            // Even on failure SQLite usually allocates a handle holding the message.
            let error = SQLiteError(connection: opened, code: rc, sql: nil)
            sqlite3_close_v2(opened)
            throw SQLiteError(extendedCode: error.extendedCode,
                              message: "cannot open database at \(path): \(error.message)")
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, options.busyTimeoutMillis)
        try configure(path: path, options: options)
    }

    private func configure(path: String, options: Options) throws(SQLiteError) {
        if !options.readOnly {
            if let pageSize = options.pageSize { try execute("PRAGMA page_size=\(pageSize)") }
            // journal_mode answers with the mode in effect; a database that
            // cannot use WAL (in-memory, some network file systems) says so.
            let pragma = try prepare("PRAGMA journal_mode=WAL")
            let mode = try pragma.step() ? pragma.text(0) : nil
            let inMemory = path == ":memory:" || path.isEmpty
            if !inMemory && mode?.lowercased() != "wal" {
                throw SQLiteError(extendedCode: SQLITE_ERROR,
                                  message: "cannot enable WAL journaling at \(path) (journal_mode is \(mode ?? "unknown"))")
            }
        }
        try execute("PRAGMA synchronous=\(options.synchronousFull ? "FULL" : "NORMAL")")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        cache.removeAll()  // finalizes cached statements first
        sqlite3_close_v2(handle)
    }

    /// Runs one or more `;`-separated statements that take no arguments
    /// (schema, pragmas). For values, use `prepare` and `bind`.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        guard rc != SQLITE_OK else { return }
        let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
        sqlite3_free(message)
        throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
    }

    /// Compiles one statement. Trailing SQL after the first statement is an
    /// error rather than silently ignored.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(connection: handle, sql: sql)
    }

    /// The statement for `sql`, compiled on first use and kept for the life
    /// of the connection; reset with its bindings cleared before it is returned.
    /// Precondition: the previous user of the statement is done with it.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            statement.clearBindings()
            return statement
        }
        let statement = try prepare(sql)
        cache[sql] = statement
        return statement
    }

    /// A single integer from a query (counts, maxima, pragmas); 0 for no row or NULL.
    public func scalar(_ sql: String, _ values: SQLiteValue...) throws(SQLiteError) -> Int64 {
        let st = try cachedStatement(sql)
        defer { st.reset() }
        try st.bind(values)
        return try st.step() ? st.int64(0) : 0
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// True while a transaction is open (SQLite is not in autocommit mode).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
}

extension Database {
    /// Runs `body` inside `BEGIN <kind>` ... `COMMIT`.
    ///
    /// If `body` throws, or `COMMIT` fails (e.g. `SQLITE_FULL`, `SQLITE_BUSY`),
    /// the transaction is rolled back and the error rethrown: either all of
    /// `body`'s changes are committed or none are.
    /// Precondition: no transaction is open on this connection (no nesting).
    public func transaction<R>(_ kind: TransactionKind = .immediate, _ body: () throws -> R) throws -> R {
        try execute(kind.beginSQL)
        let result: R
        do {
            result = try body()
            try execute("COMMIT")
        } catch {
            rollbackIfOpen()
            throw error
        }
        return result
    }

    /// Runs `body` inside a SAVEPOINT: its changes are kept or undone
    /// together, whether or not the caller holds a transaction. Inside one,
    /// they become part of it; outside, the savepoint is a transaction of
    /// its own, committed when `body` returns. Nests.
    public func atomically<R>(_ body: () throws -> R) throws -> R {
        try execute("SAVEPOINT vg_atomically")
        let result: R
        do {
            result = try body()
            try execute("RELEASE vg_atomically")
        } catch {
            // After an error that rolled back the whole transaction (see
            // rollbackIfOpen) the savepoint is gone with it.
            if isInTransaction { _ = sqlite3_exec(handle, "ROLLBACK TO vg_atomically; RELEASE vg_atomically", nil, nil, nil) }
            throw error
        }
        return result
    }

    /// Some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...) make SQLite
    /// roll back by itself (https://www.sqlite.org/lang_transaction.html,
    /// "Response To Errors Within A Transaction"); ROLLBACK then would fail
    /// with "no transaction is active", so only roll back what is still open.
    private func rollbackIfOpen() {
        guard isInTransaction else { return }
        // A failing ROLLBACK leaves nothing better to do than report the
        // original error; SQLite rolls back the journal on next open.
        _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }
}

extension Database {
    /// `PRAGMA user_version`: an integer in the database header that SQLite
    /// itself never uses, for schema migrations. A new database has 0.
    public func userVersion() throws(SQLiteError) -> Int32 {
        let statement = try prepare("PRAGMA user_version")
        guard try statement.step() else { return 0 }
        return Int32(truncatingIfNeeded: statement.int64(0))
    }

    /// Sets `PRAGMA user_version`; call inside the migration's transaction
    /// so the schema change and the version commit together.
    public func setUserVersion(_ version: Int32) throws(SQLiteError) {
        // PRAGMA takes no bound parameters; an Int32 renders as a plain literal.
        try execute("PRAGMA user_version = \(version)")
    }
}
