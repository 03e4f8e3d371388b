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
        // `tail` points into the C string, so it is read while that string
        // lives: passing `sql` to the call directly would make a temporary one,
        // gone when the call returns (in a release build every statement then
        // read garbage as its tail).
        let (rc, rest) = sql.withCString { text -> (Int32, Bool) in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(connection, text, -1, &compiled, &tail)
            return (rc, tail.map { !Statement.isBlank($0) } ?? false)
        }
        guard rc == SQLITE_OK else {
            throw SQLiteError(connection: connection, code: rc, sql: sql)
        }
        guard let compiled else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the SQL holds no statement", sql: sql)
        }
        if rest {
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

extension Statement {
    /// Resets the statement and binds `values` to parameters 1...n,
    /// replacing all earlier bindings.
    /// Precondition: `values.count` equals the number of parameters.
    @discardableResult
    public func bind(_ values: SQLiteValue...) throws(SQLiteError) -> Statement {
        try bind(values)
        return self
    }

    /// Resets the statement and binds `values` to parameters 1...n,
    /// replacing all earlier bindings.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        reset()  // binding a statement mid-run is SQLITE_MISUSE
        // Every parameter is bound below, so no earlier binding survives (no clearBindings needed).
        guard values.count == Int(parameterCount) else {
            // The message names counts only, never the values.
            throw SQLiteError(extendedCode: SQLITE_RANGE,
                              message: "the statement takes \(parameterCount) arguments, \(values.count) given", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to parameter `index` (1-based, as in SQLite).
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let number): rc = sqlite3_bind_int64(handle, index, number)
        case .real(let number): rc = sqlite3_bind_double(handle, index, number)
        case .text(let string):
            var string = string
            // Explicit length: strings may contain NUL; SQLITE_TRANSIENT copies.
            rc = string.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, !utf8.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, vg_sqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text64(handle, index, $0, UInt64(utf8.count),
                                        vg_sqlite_transient(), UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes { bindBlob($0, at: index) }
        }
        try check(rc)
    }

    /// Binds `blob` to parameter `index` (1-based) without an intermediate
    /// array; SQLite copies the bytes before returning, so the buffer may be
    /// released right after. Other bindings are kept.
    public func bind(blob: UnsafeRawBufferPointer, at index: Int32) throws(SQLiteError) {
        try check(bindBlob(blob, at: index))
    }

    private func bindBlob(_ blob: UnsafeRawBufferPointer, at index: Int32) -> Int32 {
        // A nil pointer would bind NULL (sqlite3.h, sqlite3_bind_blob); an
        // empty blob is a zero-length zeroblob.
        guard let base = blob.baseAddress, !blob.isEmpty else {
            return sqlite3_bind_zeroblob(handle, index, 0)
        }
        return sqlite3_bind_blob64(handle, index, base, UInt64(blob.count), vg_sqlite_transient())
    }

    private func check(_ rc: Int32) throws(SQLiteError) {
        guard rc != SQLITE_OK else { return }
        throw SQLiteError(connection: connection, code: rc, sql: sql)
    }
}

/// A value SQLite stores: its five fundamental datatypes
/// (https://www.sqlite.org/datatype3.html, section 1).
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension SQLiteValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLiteValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLiteValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLiteValue: ExpressibleByBooleanLiteral {
    /// SQLite has no boolean type; booleans are the integers 0 and 1.
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLiteValue {
    /// An integer column value from a Swift `Int`.
    public init(_ value: Int) { self = .integer(Int64(value)) }
    /// `.text`, or `.null` for `nil`.
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// `.blob`, or `.null` for `nil`.
    public init(_ value: [UInt8]?) { self = value.map { .blob($0) } ?? .null }
}

/// Column accessors for the current row, valid after `step()` returned true.
/// Columns are 0-based (as in `sqlite3_column_*`), parameters 1-based.
extension Statement {
    /// The number of columns in a result row.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// True when the column is SQL NULL.
    public func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// The column as an integer (NULL reads as 0, per SQLite's conversions).
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// The column as a double (NULL reads as 0.0).
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// The column as UTF-8 text, nil for NULL.
    public func text(_ column: Int32) -> String? {
        guard !isNull(column), let bytes = sqlite3_column_text(handle, column) else { return nil }
        // Length after the text conversion, so embedded NULs are kept.
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// The column's bytes, nil for NULL; a zero-length blob is `[]`.
    public func blob(_ column: Int32) -> [UInt8]? {
        guard !isNull(column) else { return nil }
        // sqlite3_column_blob returns NULL for a zero-length blob.
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Calls `body` with a blob column's bytes in place (no copy); an empty
    /// buffer for NULL or a zero-length blob. Valid only during the call.
    public func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let bytes = sqlite3_column_blob(handle, column) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))))
    }

    /// The column with its stored datatype.
    public func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: .integer(int64(column))
        case SQLITE_FLOAT: .real(double(column))
        case SQLITE_TEXT: .text(text(column) ?? "")
        case SQLITE_BLOB: .blob(blob(column) ?? [])
        default: .null
        }
    }
}
