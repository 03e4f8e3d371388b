import SQLiteStore

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
