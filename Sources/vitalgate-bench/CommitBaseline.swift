import FileIO
import SQLiteStore

/// What one durable commit costs on this disk right now: single-row
/// transactions in WAL with synchronous=FULL (the agent's settings), so the
/// agent's latency can be read against the floor the disk sets.
extension BenchRun {
    func runCommitBaseline() throws {
        try Files.makeDirectory(directory + "/fsync")
        let db = try Database(path: directory + "/fsync/commit.sqlite")  // WAL, synchronous=FULL by default
        try db.execute("CREATE TABLE t(device TEXT NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL, UNIQUE(device, seq))")
        let insert = try db.cachedStatement("INSERT INTO t(device, seq, body) VALUES (?, ?, ?)")
        let body = [UInt8](repeating: 0x42, count: 120)
        var times: [Double] = []
        let start = ContinuousClock.now
        for i in 0..<300 {
            let t0 = ContinuousClock.now
            try db.transaction(.immediate) { try insert.run(.text("dev"), .integer(Int64(i)), .blob(body)) }
            times.append((ContinuousClock.now - t0) / .milliseconds(1))
        }
        let total = (ContinuousClock.now - start) / .seconds(1)
        times.sort()
        report.add("sqlite_commit_rate", "SQLite 1 row/tx, WAL, synchronous=FULL", 300 / total, "tx/s", note: "the disk's floor for a durable commit")
        report.add("sqlite_commit_p50", "SQLite durable commit, p50", quantile(times, 0.5), "ms")
        report.add("sqlite_commit_p99", "SQLite durable commit, p99", quantile(times, 0.99), "ms")
    }
}
