import SQLiteStore

/// Where an anchor is in its life. `signed`: the transaction is built and
/// kept, not yet known to be broadcast (rebroadcast after a crash is
/// idempotent). `broadcast`: the node accepted it. `confirmed`: its block has
/// at least the required confirmations and the txout proof is kept.
public enum AnchorState: String, Sendable {
    case signed, broadcast, confirmed
}

public struct AnchorRecord: Sendable, Equatable {
    public let id: Int64
    public let treeSize: UInt64
    public let payload: [UInt8]
    public let state: AnchorState
    public let txid: String
    public let rawTx: [UInt8]
    public let blockHash: String?
    public let blockHeight: Int64?
    public let confirmations: Int64
    public let txoutProof: [UInt8]?
    public let createdAt: Int64
    public let confirmedAt: Int64?
}

public struct AnchorTable {
    let db: Database

    public init(_ db: Database) { self.db = db }

    static let columns = "id, tree_size, payload, state, txid, raw_tx, block_hash, block_height, confirmations, txout_proof, created_at, confirmed_at"

    @discardableResult
    public func insertSigned(treeSize: UInt64, payload: [UInt8], txid: String, rawTx: [UInt8], endpoint: String, at millis: Int64) throws -> Int64 {
        try db.cachedStatement("""
            INSERT INTO anchors(tree_size, payload, state, txid, raw_tx, endpoint, created_at, updated_at)
            VALUES (?, ?, 'signed', ?, ?, ?, ?, ?)
            """).run(.integer(Int64(treeSize)), .blob(payload), .text(txid), .blob(rawTx), .text(endpoint), .integer(millis), .integer(millis))
        return db.lastInsertRowID
    }

    public func markBroadcast(id: Int64, at millis: Int64) throws {
        try db.cachedStatement("UPDATE anchors SET state = 'broadcast', updated_at = ? WHERE id = ? AND state = 'signed'")
            .run(.integer(millis), .integer(id))
    }

    /// Records depth as seen; `confirmed` once deep enough, with the proof.
    public func updateDepth(id: Int64, state: AnchorState, blockHash: String?, blockHeight: Int64?, confirmations: Int64,
                            txoutProof: [UInt8]?, at millis: Int64) throws {
        try db.cachedStatement("""
            UPDATE anchors SET state = ?, block_hash = ?, block_height = ?, confirmations = ?, txout_proof = ?,
                confirmed_at = CASE WHEN ? = 'confirmed' THEN COALESCE(confirmed_at, ?) ELSE NULL END, updated_at = ?
            WHERE id = ?
            """).run(.text(state.rawValue), blockHash.map { .text($0) } ?? .null, blockHeight.map { .integer($0) } ?? .null,
                     .integer(confirmations), txoutProof.map { .blob($0) } ?? .null, .text(state.rawValue), .integer(millis),
                     .integer(millis), .integer(id))
    }

    /// Anchors not yet confirmed, oldest first.
    public func unconfirmed() throws -> [AnchorRecord] {
        try db.prepare("SELECT \(Self.columns) FROM anchors WHERE state != 'confirmed' ORDER BY id").rows(map: Self.row)
    }

    public func confirmed() throws -> [AnchorRecord] {
        try db.prepare("SELECT \(Self.columns) FROM anchors WHERE state = 'confirmed' ORDER BY id").rows(map: Self.row)
    }

    /// The newest confirmed anchor whose tree covers `leafIndex`.
    public func newestConfirmed(covering leafIndex: UInt64) throws -> AnchorRecord? {
        try db.prepare("SELECT \(Self.columns) FROM anchors WHERE state = 'confirmed' AND tree_size > ? ORDER BY tree_size DESC, id DESC LIMIT 1")
            .rows(.integer(Int64(leafIndex)), map: Self.row).first
    }

    /// The largest tree size any anchor (in any state) covers.
    public func largestAnchoredSize() throws -> UInt64 {
        UInt64(try db.scalar("SELECT COALESCE(MAX(tree_size), 0) FROM anchors"))
    }

    public func count(_ state: AnchorState) throws -> Int64 {
        try db.scalar("SELECT COUNT(*) FROM anchors WHERE state = ?", .text(state.rawValue))
    }

    static func row(_ st: Statement) -> AnchorRecord {
        AnchorRecord(id: st.int64(0), treeSize: UInt64(st.int64(1)), payload: st.blob(2) ?? [],
                     state: AnchorState(rawValue: st.text(3) ?? "") ?? .signed, txid: st.text(4) ?? "",
                     rawTx: st.blob(5) ?? [], blockHash: st.text(6), blockHeight: st.isNull(7) ? nil : st.int64(7),
                     confirmations: st.int64(8), txoutProof: st.blob(9), createdAt: st.int64(10),
                     confirmedAt: st.isNull(11) ? nil : st.int64(11))
    }
}
