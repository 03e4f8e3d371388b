import CSQLite

/// A compiled SQL statement, finalized when the last reference goes away.
///
/// Not thread-safe; used by the thread that uses its `Database`. A
/// statement may outlive its `Database` object: the connection is closed
/// with `sqlite3_close_v2`, which waits for the last statement.
public final class Statement {
    let handle: OpaquePointer
    let connection: OpaquePointer
    /// The SQL as written, with `?` placeholders; used in errors.
    public let sql: String

    init(connection: OpaquePointer, sql: String) throws(SQLiteError) {
        var compiled: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sqlite3_prepare_v2(connection, sql, -1, &compiled, &tail)
        guard rc == SQLITE_OK else {
            throw SQLiteError(connection: connection, code: rc, sql: sql)
        }
        guard let compiled else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the SQL holds no statement", sql: sql)
        }
        if let tail, !Statement.isBlank(tail) {
            sqlite3_finalize(compiled)
            throw SQLiteError(extendedCode: SQLITE_MISUSE,
                              message: "prepare() compiles one statement; use execute() for several", sql: sql)
        }
        self.handle = compiled
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    private static func isBlank(_ text: UnsafePointer<CChar>) -> Bool {
        var cursor = text
        while cursor.pointee != 0 {
            switch UInt8(bitPattern: cursor.pointee) {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ";"): break
            default: return false
            }
            cursor += 1
        }
        return true
    }

    /// Advances to the next row. Returns true when a row is available to
    /// read with the column accessors, false when the statement is done.
    /// On error the statement is reset so it can be run again.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(connection: connection, code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Binds `values` (if any), steps to completion and resets. With no
    /// values, runs with the bindings already in place (e.g. set by
    /// `bind(blob:at:)`).
    public func run(_ values: SQLiteValue...) throws(SQLiteError) {
        if !values.isEmpty { try bind(values) }
        defer { reset() }
        while try step() {}
    }

    /// Binds `values` (if any) and returns `map` applied to every row.
    public func rows<R>(_ values: SQLiteValue..., map: (Statement) throws -> R) throws -> [R] {
        if !values.isEmpty { try bind(values) }
        defer { reset() }
        var result: [R] = []
        while try step() { result.append(try map(self)) }
        return result
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    public func reset() { sqlite3_reset(handle) }

    /// Sets every parameter back to NULL.
    public func clearBindings() { sqlite3_clear_bindings(handle) }

    /// The number of `?` parameters.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }
}
