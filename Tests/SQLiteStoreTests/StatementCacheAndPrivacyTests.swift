import Testing
import SQLiteStore

@Suite struct StatementCacheAndPrivacyTests {
    @Test func cachedStatementsAreReusedAndReset() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
        let sql = "SELECT x FROM t WHERE x >= ? ORDER BY x"
        let first = try db.cachedStatement(sql)
        try first.bind(2)
        #expect(try first.step())
        #expect(first.int64(0) == 2)  // left mid-run on purpose

        let second = try db.cachedStatement(sql)
        #expect(first === second)
        #expect(try db.cachedStatement("SELECT 1") !== first)
        // Reset and bindings cleared: NULL >= x matches nothing.
        #expect(try second.rows { $0.int64(0) } == [])
        #expect(try second.rows(1) { $0.int64(0) } == [1, 2, 3])
    }

    /// Readings are patient data: errors carry SQL text, never bound values.
    @Test func errorsNeverContainBoundArguments() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("""
            CREATE TABLE p(name TEXT UNIQUE, age INTEGER CHECK (age < 150), mrn TEXT NOT NULL);
            CREATE TABLE s(n INTEGER) STRICT;
            """)
        let secret = "Jane-Roe-MRN-0044172"
        let insert = try db.prepare("INSERT INTO p VALUES (?, ?, ?)")
        try insert.run(.text(secret), 40, .text(secret))

        var errors: [SQLiteError] = []
        func capture(_ body: () throws -> Void) {
            do { try body(); Issue.record("expected an error") } catch let error as SQLiteError {
                errors.append(error)
            } catch { Issue.record("unexpected \(error)") }
        }
        capture { try insert.run(.text(secret), 41, .text(secret)) }    // UNIQUE
        capture { try insert.run(.text("x"), 987_654_321, .text(secret)) }  // CHECK
        capture { try insert.run(.text(secret + "2"), 1, nil) }          // NOT NULL
        capture { try db.prepare("INSERT INTO s VALUES (?)").run(.text(secret)) }  // STRICT type
        capture { try insert.run(.text(secret)) }                        // argument count
        #expect(errors.count == 5)
        for error in errors {
            let everything = "\(error) \(error.message) \(error.sql ?? "")"
            #expect(!everything.contains(secret))
            #expect(!everything.contains("987654321"))
            #expect(error.sql?.contains("?") == true)
        }
        #expect(errors.map(\.isConstraint) == [true, true, true, true, false])
    }
}
