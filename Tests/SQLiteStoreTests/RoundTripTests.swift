import Testing
import SQLiteStore

/// Every SQLite datatype goes in through `bind` and comes back unchanged.
@Suite struct RoundTripTests {
    static let values: [SQLiteValue] = [
        .null,
        .integer(0), .integer(Int64.min), .integer(Int64.max), .integer(-1),
        .real(3.25), .real(-0.5e-300), .real(1.7976931348623157e308),
        .text(""), .text("SpO2 98 %"), .text("µg/L · 心拍 · 🫀"), .text("nul\u{0}inside"),
        .blob([]), .blob(Array(0...255)), .blob([0, 0, 0]),
    ]

    @Test(arguments: values)
    func insertSelectRoundTrip(_ value: SQLiteValue) throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v ANY) STRICT")
        try db.prepare("INSERT INTO t(v) VALUES (?)").run(value)
        #expect(db.changes == 1)
        let id = db.lastInsertRowID
        #expect(try db.firstValue("SELECT v FROM t WHERE id = ?", .integer(id)) == value)
    }

    @Test func typedAccessorsAndUpdateDelete() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE r(id INTEGER PRIMARY KEY, device TEXT, value REAL, raw BLOB, note TEXT)")
        let insert = try db.prepare("INSERT INTO r(device, value, raw, note) VALUES (?, ?, ?, ?)")
        try insert.run("pulse-1", 61.5, .blob([0xde, 0xad]), nil)
        try insert.run("pulse-2", 72.0, .blob([0xbe, 0xef]), "moved")
        #expect(db.lastInsertRowID == 2)

        let rows = try db.prepare("SELECT id, device, value, raw, note FROM r ORDER BY id").rows { row in
            (row.int64(0), row.text(1), row.double(2), row.blob(3), row.text(4), row.isNull(4))
        }
        #expect(rows.count == 2)
        #expect(rows[0] == (1, "pulse-1", 61.5, [0xde, 0xad], nil, true))
        #expect(rows[1] == (2, "pulse-2", 72.0, [0xbe, 0xef], "moved", false))

        try db.prepare("UPDATE r SET value = value + 1 WHERE device LIKE ?").run("pulse-%")
        #expect(db.changes == 2)
        #expect(try db.firstValue("SELECT sum(value) FROM r") == .real(135.5))
        try db.prepare("DELETE FROM r WHERE id = ?").run(1)
        #expect(db.changes == 1)
        #expect(try db.count("r") == 1)
    }

    /// The hot-path blob binding keeps the other bindings and copies the bytes.
    @Test func bindBlobFromBufferWithoutArray() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE b(k TEXT, v BLOB)")
        let insert = try db.prepare("INSERT INTO b VALUES (?, ?)")
        try insert.bind("leaf", .null)
        var bytes: [UInt8] = [1, 2, 3, 4]
        try bytes.withUnsafeBytes { try insert.bind(blob: $0, at: 2) }
        bytes[0] = 99  // SQLite copied the buffer (SQLITE_TRANSIENT)
        try insert.run()
        try [UInt8]().withUnsafeBytes { try insert.bind(blob: $0, at: 2) }
        try insert.run()
        let stored = try db.prepare("SELECT k, v FROM b ORDER BY rowid").rows { ($0.text(0), $0.blob(1)) }
        #expect(stored.count == 2)
        #expect(stored[0] == ("leaf", [1, 2, 3, 4]))
        #expect(stored[1] == ("leaf", []))  // empty blob, not NULL
    }

    @Test func userVersionForMigrations() throws {
        let temp = try TemporaryDatabase()
        do {
            let db = try temp.open()
            #expect(try db.userVersion() == 0)
            try db.transaction { try db.setUserVersion(7) }
        }
        #expect(try temp.open().userVersion() == 7)
    }

    @Test func prepareRejectsTrailingStatements() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; DROP TABLE x") }
        _ = try db.prepare("SELECT 1;  \n")
        #expect(throws: SQLiteError.self) { try db.prepare("SELEC 1") }
    }

    /// A statement may outlive its Database object (sqlite3_close_v2).
    @Test func statementOutlivesDatabaseObject() throws {
        let temp = try TemporaryDatabase()
        var db: Database? = try temp.open()
        try db!.execute("CREATE TABLE t(x); INSERT INTO t VALUES (42)")
        let select = try db!.prepare("SELECT x FROM t")
        db = nil
        #expect(try select.rows { $0.int64(0) } == [42])
    }
}
