import CSQLite

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
