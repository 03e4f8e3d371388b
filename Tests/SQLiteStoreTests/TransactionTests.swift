import Testing
import SQLiteStore

@Suite struct TransactionTests {
    struct Abort: Error, Equatable {}

    @Test func commitKeepsAllRows() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE t(x INTEGER NOT NULL)")
        let answer = try db.transaction {
            for i in 0..<10 { try db.cachedStatement("INSERT INTO t VALUES (?)").run(.integer(Int64(i))) }
            return "done"
        }
        #expect(answer == "done")
        #expect(!db.isInTransaction)
        #expect(try db.count("t") == 10)
    }

    @Test(arguments: [TransactionKind.deferred, .immediate, .exclusive])
    func failingStatementRollsBackEverything(_ kind: TransactionKind) throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE t(x INTEGER NOT NULL); INSERT INTO t VALUES (-1)")
        #expect {
            try db.transaction(kind) {
                try db.prepare("INSERT INTO t VALUES (?)").run(1)
                try db.prepare("UPDATE t SET x = x + 100").run()
                try db.prepare("INSERT INTO t VALUES (?)").run(nil)  // NOT NULL fails
            }
        } throws: { ($0 as? SQLiteError)?.isConstraint == true }
        #expect(!db.isInTransaction)
        #expect(try db.prepare("SELECT x FROM t").rows { $0.int64(0) } == [-1])
    }

    @Test func swiftErrorRollsBackAndIsRethrown() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE t(x)")
        #expect(throws: Abort()) {
            try db.transaction {
                try db.prepare("INSERT INTO t VALUES (?)").run(1)
                throw Abort()
            }
        }
        #expect(try db.count("t") == 0)
        // The connection is usable afterwards.
        try db.transaction { try db.prepare("INSERT INTO t VALUES (?)").run(2) }
        #expect(try db.count("t") == 1)
    }

    @Test func uniqueViolationIsConstraint() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE d(id TEXT UNIQUE)")
        let insert = try db.prepare("INSERT INTO d VALUES (?)")
        try insert.run("dev-1")
        let error = #expect(throws: SQLiteError.self) { try insert.run("dev-1") }
        #expect(error?.isConstraint == true)
        #expect(error?.isFull == false)
        #expect(error?.isBusy == false)
        #expect(error?.code == 19)            // SQLITE_CONSTRAINT, sqlite3.h
        #expect(error?.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE = 19 | (8<<8), sqlite3.h
        #expect(error?.message == "UNIQUE constraint failed: d.id")
        #expect(error?.sql == "INSERT INTO d VALUES (?)")
        // The statement was reset and is reusable.
        try insert.run("dev-2")
        #expect(try db.count("d") == 2)
    }

    @Test func foreignKeysAreEnforced() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE c(p INTEGER REFERENCES p(id))")
        let error = #expect(throws: SQLiteError.self) { try db.prepare("INSERT INTO c VALUES (?)").run(5) }
        #expect(error?.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY = 19 | (3<<8), sqlite3.h
    }
}
