import Foundation
import Testing
import SQLiteStore

/// Journal mode, concurrent readers and a full disk, on real database files.
@Suite struct DurabilityTests {
    @Test func walSynchronousFullAndForeignKeysAreInEffect() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        #expect(try db.firstValue("PRAGMA journal_mode") == .text("wal"))
        #expect(try db.firstValue("PRAGMA synchronous") == .integer(2))  // 2 = FULL (pragma docs)
        #expect(try db.firstValue("PRAGMA foreign_keys") == .integer(1))
        try db.execute("CREATE TABLE t(x)")  // the -wal file appears with the first write
        #expect(FileManager.default.fileExists(atPath: temp.path + "-wal"))

        let relaxed = try temp.open { $0.synchronousFull = false }
        #expect(try relaxed.firstValue("PRAGMA synchronous") == .integer(1))  // 1 = NORMAL
    }

    /// WAL readers see the last commit while a writer holds an open
    /// transaction, without waiting for it.
    @Test func readerSeesCommittedRowsWhileWriterHoldsTransaction() throws {
        let temp = try TemporaryDatabase()
        let writer = try temp.open()
        try writer.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)")
        let reader = try temp.open {
            $0.readOnly = true
            // No waiting at all: were the reader blocked by the writer, it would fail with SQLITE_BUSY.
            $0.busyTimeoutMillis = 0
        }
        #expect(throws: SQLiteError.self) { try reader.execute("INSERT INTO t VALUES (9)") }

        try writer.transaction(.exclusive) {
            try writer.prepare("INSERT INTO t VALUES (?)").run(3)
            #expect(try reader.count("t") == 2)
            #expect(try writer.count("t") == 3)
        }
        #expect(try reader.count("t") == 3)
    }

    /// A second writer waits for the busy timeout, then fails with SQLITE_BUSY.
    @Test func secondWriterGetsBusy() throws {
        let temp = try TemporaryDatabase()
        let first = try temp.open()
        try first.execute("CREATE TABLE t(x)")
        let second = try temp.open { $0.busyTimeoutMillis = 20 }
        try first.transaction {
            let error = #expect(throws: SQLiteError.self) { try second.execute("BEGIN IMMEDIATE") }
            #expect(error?.isBusy == true)
        }
    }

    /// With the database capped by `max_page_count`, inserts fail with
    /// SQLITE_FULL, nothing is corrupted, and raising the cap lets writes resume.
    @Test func fullDatabaseFailsCleanlyAndRecovers() throws {
        let temp = try TemporaryDatabase()
        let db = try temp.open()
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)")
        let pages = try db.firstValue("PRAGMA page_count")
        guard case .integer(let used) = pages else { Issue.record("page_count: \(pages)"); return }
        try db.execute("PRAGMA max_page_count = \(used + 8)")

        let payload = [UInt8](repeating: 0xab, count: 1000)
        let insert = try db.prepare("INSERT INTO t(v) VALUES (?)")
        var stored: Int64 = 0
        var fullError: SQLiteError?
        for _ in 0..<1000 {
            do { try insert.run(.blob(payload)); stored += 1 } catch { fullError = error; break }
        }
        #expect(fullError?.isFull == true)
        #expect(fullError?.code == 13)  // SQLITE_FULL, sqlite3.h
        #expect(stored > 0)
        #expect(try db.count("t") == stored)
        #expect(try db.firstValue("PRAGMA integrity_check") == .text("ok"))

        // A batch transaction hitting the limit leaves no partial batch.
        try db.execute("DELETE FROM t WHERE id = (SELECT max(id) FROM t)")
        #expect {
            try db.transaction {
                for _ in 0..<100 { try db.cachedStatement("INSERT INTO t(v) VALUES (?)").run(.blob(payload)) }
            }
        } throws: { ($0 as? SQLiteError)?.isFull == true }
        #expect(!db.isInTransaction)
        #expect(try db.count("t") == stored - 1)
        #expect(try db.firstValue("PRAGMA integrity_check") == .text("ok"))

        try db.execute("PRAGMA max_page_count = \(used + 1000)")
        try db.transaction {
            for _ in 0..<100 { try db.cachedStatement("INSERT INTO t(v) VALUES (?)").run(.blob(payload)) }
        }
        #expect(try db.count("t") == stored - 1 + 100)
        #expect(try db.firstValue("PRAGMA integrity_check") == .text("ok"))
    }
}
