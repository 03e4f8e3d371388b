import SQLiteStore

/// Where an anchor is in its life (docs/anchoring.md):
///
///     pending ──▶ broadcast ──▶ confirmed(depth) ──▶ final
///        │            ▲  │            │                │
///        │            └──┼────────────┴────────────────┘  its block left the active chain
///        └────────────┴──▶ abandoned                       refused or conflicted: a later anchor replaces it
///
/// `pending`: the signed transaction is stored, not yet accepted by a node
/// (after a crash it is sent again: the same bytes, so never paid twice).
/// `broadcast`: a node's mempool took it. `confirmed`: in a block of the
/// active chain, fewer than the required confirmations. `final`: deep
/// enough, txout proof stored; bundles are only built from final anchors.
public enum AnchorState: String, Sendable, CaseIterable {
    case pending, broadcast, confirmed, final, abandoned

    /// The state stored as `text` (in `column` of anchor `anchorID`). A
    /// state this version does not know stops whoever reads it: guessing
    /// (say, `pending`) could send an anchor again.
    init(stored text: String?, anchorID: Int64, column: String) throws {
        guard let text, let state = AnchorState(rawValue: text) else {
            throw StoreError(Self.unknownMessage(text ?? "NULL", anchorID: anchorID, column: column))
        }
        self = state
    }

    static func unknownMessage(_ text: String, anchorID: Int64, column: String) -> String {
        "anchor \(anchorID) has \(column) \"\(text)\", which this vitalgate does not know "
            + "(known: \(allCases.map(\.rawValue).joined(separator: ", "))); the database was written by another version "
            + "or changed by hand. Refusing to go on rather than guess: restore the database or run the vitalgate that wrote it"
    }
}

/// Where a transition puts the anchor's block, if anywhere.
public struct AnchorBlock: Sendable, Equatable {
    public let hash: String
    public let height: Int64
    public let confirmations: Int64
}

public struct AnchorRecord: Sendable, Equatable {
    public let id: Int64
    public let target: String
    public let treeSize: UInt64
    public let payload: [UInt8]
    public let state: AnchorState
    public let txid: String
    public let rawTx: [UInt8]
    public let blockHash: String?
    public let blockHeight: Int64?
    public let confirmations: Int64
    public let txoutProof: [UInt8]?
    public let endpoint: String?
    public let fee: Int64?
    public let createdAt: Int64
    public let confirmedAt: Int64?
}

public struct AnchorTable {
    let db: Database

    public init(_ db: Database) { self.db = db }

    static let columns = """
        id, target, tree_size, payload, state, txid, raw_tx, block_hash, block_height, confirmations, txout_proof,
        endpoint, fee, created_at, confirmed_at
        """

    /// Stores a signed, not yet broadcast anchor and logs its first event,
    /// both or neither.
    @discardableResult
    public func insertPending(target: String, treeSize: UInt64, payload: [UInt8], txid: String, rawTx: [UInt8],
                              endpoint: String, inputTxid: String?, inputVout: UInt32?, fee: Int64?, at millis: Int64) throws -> Int64 {
        try db.atomically {
            try db.cachedStatement("""
                INSERT INTO anchors(target, tree_size, payload, state, txid, raw_tx, endpoint, input_txid, input_vout, fee, created_at, updated_at)
                VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
                """).run(.text(target), .integer(Int64(treeSize)), .blob(payload), .text(txid), .blob(rawTx), .text(endpoint),
                         SQLiteValue(inputTxid), inputVout.map { .integer(Int64($0)) } ?? .null,
                         fee.map { .integer($0) } ?? .null, .integer(millis), .integer(millis))
            let id = db.lastInsertRowID
            try logEvent(id, from: nil, to: .pending, "signed tx \(txid) for tree size \(treeSize) via \(endpoint)", at: millis)
            return id
        }
    }

    /// Moves `anchor` to `state` with `block` (nil: in no block) and `proof`,
    /// and logs the transition when the state changes, both or neither
    /// (also when the caller holds no transaction). Depth-only updates
    /// within `confirmed` or `final` are not logged.
    public func transition(_ anchor: AnchorRecord, to state: AnchorState, block: AnchorBlock?, proof: [UInt8]?,
                           detail: String, at millis: Int64) throws {
        try db.atomically {
            try db.cachedStatement("""
                UPDATE anchors SET state = ?, block_hash = ?, block_height = ?, confirmations = ?, txout_proof = ?,
                    confirmed_at = CASE WHEN ? = 'final' THEN COALESCE(confirmed_at, ?) ELSE NULL END, updated_at = ?
                WHERE id = ?
                """).run(.text(state.rawValue), block.map { .text($0.hash) } ?? .null, block.map { .integer($0.height) } ?? .null,
                         .integer(block?.confirmations ?? 0), SQLiteValue(proof), .text(state.rawValue),
                         .integer(millis), .integer(millis), .integer(anchor.id))
            if state != anchor.state { try logEvent(anchor.id, from: anchor.state, to: state, detail, at: millis) }
        }
    }

    /// Throws, naming the first, if any anchor or logged transition has a
    /// state this version does not know (the agent checks at start).
    public func checkStoredStates() throws {
        let known = AnchorState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let anchors = try db.prepare("SELECT id, state FROM anchors WHERE state IS NULL OR state NOT IN (\(known)) ORDER BY id LIMIT 1")
        for (id, state) in try anchors.rows(map: { ($0.int64(0), $0.text(1)) }) {
            _ = try AnchorState(stored: state, anchorID: id, column: "state")
        }
        let events = try db.prepare("""
            SELECT anchor_id, from_state, to_state FROM anchor_events
            WHERE to_state IS NULL OR to_state NOT IN (\(known)) OR from_state NOT IN (\(known)) ORDER BY id LIMIT 1
            """)
        for (id, from, to) in try events.rows(map: { ($0.int64(0), $0.text(1), $0.text(2)) }) {
            if let from { _ = try AnchorState(stored: from, anchorID: id, column: "an event's from_state") }
            _ = try AnchorState(stored: to, anchorID: id, column: "an event's to_state")
        }
    }

    /// Anchors still moving: pending, broadcast or confirmed, oldest first
    /// (so a coin's parent is sent before the anchor that spends it).
    public func live() throws -> [AnchorRecord] {
        try select("WHERE state IN ('pending', 'broadcast', 'confirmed') ORDER BY id")
    }

    /// Final anchors whose block is at `height` or above: those a reorg can still reach.
    public func final(fromHeight height: Int64) throws -> [AnchorRecord] {
        try select("WHERE state = 'final' AND block_height >= ? ORDER BY id", .integer(height))
    }

    /// The newest final anchor.
    public func lastFinal() throws -> AnchorRecord? { try select("WHERE state = 'final' ORDER BY id DESC LIMIT 1").first }

    /// The final anchor with the largest tree that covers `leafIndex`.
    public func newestFinal(covering leafIndex: UInt64) throws -> AnchorRecord? {
        try select("WHERE state = 'final' AND tree_size > ? ORDER BY tree_size DESC, id DESC LIMIT 1", .integer(Int64(leafIndex))).first
    }

    public func byTxid(_ txid: String) throws -> AnchorRecord? { try select("WHERE txid = ?", .text(txid)).first }

    /// The largest tree size an anchor of `target` that is not abandoned covers.
    public func largestAnchoredSize(target: String) throws -> UInt64 {
        UInt64(try db.scalar("SELECT COALESCE(MAX(tree_size), 0) FROM anchors WHERE state != 'abandoned' AND target = ?", .text(target)))
    }

    public func count(_ state: AnchorState) throws -> Int64 {
        try db.scalar("SELECT COUNT(*) FROM anchors WHERE state = ?", .text(state.rawValue))
    }

    /// How many anchors are in each state, in one query.
    public func countsByState() throws -> [AnchorState: Int64] {
        var counts: [AnchorState: Int64] = [:]
        for (state, n) in try db.prepare("SELECT state, COUNT(*) FROM anchors GROUP BY state").rows(map: { ($0.text(0) ?? "", $0.int64(1)) }) {
            if let s = AnchorState(rawValue: state) { counts[s] = n }
        }
        return counts
    }

    private func select(_ clause: String, _ values: SQLiteValue...) throws -> [AnchorRecord] {
        let st = try db.prepare("SELECT \(Self.columns) FROM anchors \(clause)")
        try st.bind(values)
        return try st.rows(map: Self.row)
    }

    static func row(_ st: Statement) throws -> AnchorRecord {
        AnchorRecord(id: st.int64(0), target: st.text(1) ?? "ledger", treeSize: UInt64(st.int64(2)), payload: st.blob(3) ?? [],
                     state: try AnchorState(stored: st.text(4), anchorID: st.int64(0), column: "state"), txid: st.text(5) ?? "",
                     rawTx: st.blob(6) ?? [], blockHash: st.text(7), blockHeight: st.isNull(8) ? nil : st.int64(8),
                     confirmations: st.int64(9), txoutProof: st.blob(10), endpoint: st.text(11),
                     fee: st.isNull(12) ? nil : st.int64(12), createdAt: st.int64(13),
                     confirmedAt: st.isNull(14) ? nil : st.int64(14))
    }
}

/// One logged transition of an anchor's state, with why it happened.
public struct AnchorEvent: Sendable, Equatable {
    public let anchorID: Int64
    public let from: AnchorState?
    public let to: AnchorState
    public let detail: String
    public let at: Int64
}

extension AnchorTable {
    /// Appends a transition to `anchor_events` (inside the state change's savepoint: AnchorTable.transition).
    func logEvent(_ anchorID: Int64, from: AnchorState?, to: AnchorState, _ detail: String, at millis: Int64) throws {
        try db.cachedStatement("INSERT INTO anchor_events(anchor_id, from_state, to_state, detail, at) VALUES (?, ?, ?, ?, ?)")
            .run(.integer(anchorID), from.map { .text($0.rawValue) } ?? .null, .text(to.rawValue), .text(detail), .integer(millis))
    }

    /// Every logged transition, oldest first (all anchors when `anchorID` is nil).
    public func events(anchorID: Int64? = nil) throws -> [AnchorEvent] {
        let st = try db.prepare("SELECT anchor_id, from_state, to_state, detail, at FROM anchor_events"
                                + (anchorID == nil ? "" : " WHERE anchor_id = ?") + " ORDER BY id")
        if let anchorID { try st.bind([.integer(anchorID)]) }
        return try st.rows {
            AnchorEvent(anchorID: $0.int64(0),
                        from: try $0.isNull(1) ? nil : AnchorState(stored: $0.text(1), anchorID: $0.int64(0), column: "an event's from_state"),
                        to: try AnchorState(stored: $0.text(2), anchorID: $0.int64(0), column: "an event's to_state"),
                        detail: $0.text(3) ?? "", at: $0.int64(4))
        }
    }
}
