import SQLiteStore
import Vitals

/// What the database says about the gateway's work, for the metrics file
/// and `status`: only queries whose cost does not grow with the log (an
/// index lookup, a small table, or a range bounded by what is waiting), so
/// reading them every few seconds stays cheap at millions of readings.
public struct GatewayFacts: Sendable {
    public struct Device: Sendable {
        public let id: String
        public let profile: String
        public let enrolled: Bool
        /// Assigned to a patient now: a silent one may have come off.
        public let assigned: Bool
        public let lastSeen: Int64?
        public let expectedIntervalSeconds: Int?
    }

    public struct Anchor: Sendable {
        public let treeSize: Int64
        public let at: Int64
        public let blockHeight: Int64?
    }

    public var treeSize: Int64 = 0
    /// Rejections by reason, duplicates left out (they are `duplicates`).
    public var rejectedByReason: [(reason: String, count: Int64)] = []
    public var duplicates: Int64 = 0
    public var checkpoint: (size: Int64, createdAt: Int64)?
    public var anchorsByState: [AnchorState: Int64] = [:]
    public var lastFinal: Anchor?
    /// The oldest checkpoint no anchor in a mempool or a block covers yet (its creation time).
    public var unanchoredSince: Int64?
    /// Readings not yet delivered to the clinic (nil without a clinic), and the oldest one's arrival.
    public var deliveryBacklog: (count: Int64, oldest: Int64?)?
    /// Readings the clinic refused for good.
    public var deliveryFailed: Int64 = 0
    public var devices: [Device] = []

    public init(_ db: Database, clinic: Bool) throws {
        treeSize = Int64(try MerkleNodeTable(db).treeSize())
        for (reason, count) in try db.prepare("SELECT reason, count FROM rejection_counts ORDER BY reason").rows(map: { ($0.text(0) ?? "", $0.int64(1)) }) {
            if reason == RejectionReason.duplicate.rawValue { duplicates = count } else { rejectedByReason.append((reason, count)) }
        }
        checkpoint = try CheckpointTable(db).latest().map { (Int64($0.treeSize), $0.createdAt) }
        anchorsByState = try AnchorTable(db).countsByState()
        lastFinal = try AnchorTable(db).lastFinal().map { Anchor(treeSize: Int64($0.treeSize), at: $0.confirmedAt ?? $0.createdAt, blockHeight: $0.blockHeight) }
        unanchoredSince = try db.prepare("""
            SELECT MIN(created_at) FROM checkpoints WHERE tree_size >
                (SELECT COALESCE(MAX(tree_size), 0) FROM anchors WHERE state IN ('broadcast', 'confirmed', 'final'))
            """).rows { $0.isNull(0) ? nil : $0.int64(0) }.first ?? nil
        if clinic {
            // Readings in batches still to send, then readings no batch has taken yet.
            let inBatches: (Int64, Int64?) = try db.prepare("""
                SELECT COUNT(*), MIN(r.received_at) FROM deliveries d JOIN readings r ON r.leaf_index = d.leaf_index
                WHERE d.batch IN (SELECT id FROM delivery_batches WHERE state = 'pending')
                """).rows { st -> (Int64, Int64?) in (st.int64(0), st.isNull(1) ? nil : st.int64(1)) }.first ?? (0, nil)
            let untaken: (Int64, Int64?) = try db.prepare("""
                SELECT COUNT(*), MIN(received_at) FROM readings WHERE leaf_index > (SELECT COALESCE(MAX(leaf_index), -1) FROM deliveries)
                """).rows { st -> (Int64, Int64?) in (st.int64(0), st.isNull(1) ? nil : st.int64(1)) }.first ?? (0, nil)
            deliveryBacklog = (inBatches.0 + untaken.0, [inBatches.1, untaken.1].compactMap { $0 }.min())
            deliveryFailed = try db.prepare("""
                SELECT COUNT(*) FROM deliveries WHERE batch IN (SELECT id FROM delivery_batches WHERE state = 'failed')
                """).rows { $0.int64(0) }.first ?? 0
        }
        var intervals: [String: Int?] = [:]
        for (name, json) in try db.prepare("SELECT name, json FROM profiles").rows(map: { ($0.text(0) ?? "", $0.blob(1) ?? []) }) {
            intervals[name] = (try? DeviceProfile.parse(json))?.expectedIntervalSeconds
        }
        devices = try db.prepare("SELECT id, profile, status, patient IS NOT NULL, last_seen FROM devices ORDER BY id").rows { st in
            Device(id: st.text(0) ?? "", profile: st.text(1) ?? "", enrolled: st.text(2) == "enrolled", assigned: st.int64(3) != 0,
                   lastSeen: st.isNull(4) ? nil : st.int64(4), expectedIntervalSeconds: intervals[st.text(1) ?? ""] ?? nil)
        }
    }

    public var rejected: Int64 { rejectedByReason.reduce(0) { $0 + $1.count } }
}
