import Foundation
import SQLiteStore

/// A directory under the system temp dir holding the test's database files;
/// `path` is the main database file (WAL adds `-wal` and `-shm` next to it).
final class TemporaryDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("test.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("vitalgate-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open(_ configure: (inout Database.Options) -> Void = { _ in }) throws -> Database {
        var options = Database.Options()
        configure(&options)
        return try Database(path: path, options: options)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

extension Database {
    /// The single value a query returns (test convenience).
    func firstValue(_ sql: String, _ values: SQLiteValue...) throws -> SQLiteValue {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return .null }
        return statement.value(0)
    }

    func count(_ table: String) throws -> Int64 {
        guard case .integer(let n) = try firstValue("SELECT count(*) FROM \(table)") else { return -1 }
        return n
    }
}
