import SQLiteStore

/// A signed checkpoint as stored.
public struct StoredCheckpoint: Sendable, Equatable {
    public let treeSize: UInt64
    public let root: [UInt8]
    public let note: String
    public let createdAt: Int64
}

public struct CheckpointTable {
    let db: Database

    public init(_ db: Database) { self.db = db }

    public func insert(_ checkpoint: StoredCheckpoint) throws {
        try db.cachedStatement("INSERT INTO checkpoints(tree_size, root, note, created_at) VALUES (?, ?, ?, ?)")
            .run(.integer(Int64(checkpoint.treeSize)), .blob(checkpoint.root), .text(checkpoint.note), .integer(checkpoint.createdAt))
    }

    public func latest() throws -> StoredCheckpoint? {
        try db.prepare("SELECT tree_size, root, note, created_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1")
            .rows(map: Self.row).first
    }

    public func at(size: UInt64) throws -> StoredCheckpoint? {
        try db.prepare("SELECT tree_size, root, note, created_at FROM checkpoints WHERE tree_size = ?")
            .rows(.integer(Int64(size)), map: Self.row).first
    }

    public func count() throws -> Int64 { try db.scalar("SELECT COUNT(*) FROM checkpoints") }

    static func row(_ st: Statement) -> StoredCheckpoint {
        StoredCheckpoint(treeSize: UInt64(st.int64(0)), root: st.blob(1) ?? [], note: st.text(2) ?? "", createdAt: st.int64(3))
    }
}
