import SQLiteStore
import TestSupport
@testable import VitalgateAgent

/// A gateway database on a real SQLite file in a fresh temporary folder,
/// migrated to the current schema unless `migrated` is false, and removed
/// with its folder afterwards.
func withScratchDatabase(_ name: String, migrated: Bool = true,
                         _ body: (Database, TemporaryDirectory) throws -> Void) throws {
    let dir = try TemporaryDirectory(name)
    defer { dir.remove() }
    let db = try Database(path: dir.file("db.sqlite"))
    if migrated { try Schema.migrate(db) }
    try body(db, dir)
}
