import CSQLite

/// A failed SQLite call: the result code, SQLite's message and the SQL text.
///
/// `sql` is the statement as written (with `?` placeholders), never the bound
/// arguments: readings are patient data and must not end up in logs.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// The primary result code (`SQLITE_FULL`, `SQLITE_BUSY`, ...): the low
    /// 8 bits of the extended code (sqlite3.h, "Extended Result Codes").
    public let code: Int32
    /// The extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE` (2067).
    public let extendedCode: Int32
    /// SQLite's own message (`sqlite3_errmsg`), or ours for API misuse.
    public let message: String
    /// The SQL that failed, when there was one.
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.code = extendedCode & 0xff
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The disk or the database's `max_page_count` is full: free space or
    /// raise the limit; the database itself is intact.
    public var isFull: Bool { code == SQLITE_FULL }
    /// Another connection holds a conflicting lock for longer than the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY }
    /// A UNIQUE, NOT NULL, CHECK or FOREIGN KEY constraint rejected the change.
    public var isConstraint: Bool { code == SQLITE_CONSTRAINT }

    public var description: String {
        let name = String(cString: sqlite3_errstr(extendedCode))
        var text = "SQLite error \(extendedCode) (\(name)): \(message)"
        if let sql { text += " [SQL: \(sql)]" }
        return text
    }
}

extension SQLiteError {
    /// The error for a failed call on `connection` that returned `code`.
    /// Connections are opened with extended result codes on, so `code` is
    /// already extended. Read right after the failure: the next call on the
    /// connection overwrites `sqlite3_errmsg`.
    init(connection: OpaquePointer?, code: Int32, sql: String?) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        self.init(extendedCode: code, message: message, sql: sql)
    }
}
