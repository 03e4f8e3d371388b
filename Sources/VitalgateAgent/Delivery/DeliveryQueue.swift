import ProofBundle
import SQLiteStore

/// The store side of delivery (docs/fhir.md): takes stored readings in log
/// order once a signed checkpoint covers them, decides each one's patient
/// from the assignment history, groups them into batches that are then
/// fixed, and records what became of each batch.
public struct DeliveryQueue {
    let db: Database
    /// Readings are sealed at rest; batches open them to make Observations.
    let cipher: LeafCipher
    /// So are patients; `deliveries.patient` gets the assignment's sealed
    /// blob as it is (bound to the device, whose reading it is), opened when
    /// a batch is loaded.
    let patients: PatientCipher

    public init(_ db: Database, cipher: LeafCipher, patients: PatientCipher) {
        self.db = db
        self.cipher = cipher
        self.patients = patients
    }

    /// Most readings looked at per call, so one call never holds the write
    /// lock long (ingest commits wait for it) when many are unassigned.
    static let scanLimit = 5000

    public enum Next: Equatable {
        /// A batch to send (the oldest pending one).
        case batch(Int64)
        /// Readings were looked at but none needs sending yet; call again.
        case progress
        /// Nothing to do until the next checkpoint.
        case idle
    }

    /// The oldest pending batch, or a new one formed from readings that a
    /// checkpoint covers and that are not yet taken.
    public func next(batchSize: Int, now: Int64) throws -> Next {
        try db.transaction(.immediate) {
            if let id = try pendingBatch() { return .batch(id) }
            guard let (size, root) = try newestCheckpoint() else { return .idle }
            let start = try db.scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM deliveries")
            let candidates = try db.prepare("""
                SELECT leaf_index, device, received_at FROM readings
                WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index LIMIT ?
                """).rows(.integer(start), .integer(Int64(size)), .integer(Int64(Self.scanLimit))) {
                ($0.int64(0), $0.text(1) ?? "", $0.int64(2))
            }
            guard !candidates.isEmpty else { return .idle }
            let assignments = PatientAssignments(db)
            var taken: [(leaf: Int64, patient: StoredPatient)] = []
            var looked = 0
            let unassigned = try db.cachedStatement("INSERT INTO deliveries(leaf_index, state, updated_at) VALUES (?, 'unassigned', ?)")
            for (leaf, device, receivedAt) in candidates {
                looked += 1
                if let patient = try assignments.patient(of: device, at: receivedAt) {
                    taken.append((leaf, patient))
                    if taken.count == batchSize { break }
                } else {
                    try unassigned.run(.integer(leaf), .integer(now))
                }
            }
            guard let last = taken.last else { return .progress }
            let id = try insertBatch(coveringUpTo: UInt64(last.leaf), newest: (size, root), now: now)
            let insert = try db.cachedStatement("INSERT INTO deliveries(leaf_index, patient, state, batch, updated_at) VALUES (?, ?, 'pending', ?, ?)")
            for t in taken { try insert.run(.integer(t.leaf), t.patient.value, .integer(id), .integer(now)) }
            return .batch(id)
        }
    }

    func pendingBatch() throws -> Int64? {
        try db.prepare("SELECT id FROM delivery_batches WHERE state = 'pending' ORDER BY id LIMIT 1").rows { $0.int64(0) }.first
    }

    func newestCheckpoint() throws -> (UInt64, [UInt8])? {
        try CheckpointTable(db).latest().map { ($0.treeSize, $0.root) }
    }

    /// Fixes the batch's coverage: the best anchor (final, then confirmed,
    /// then broadcast; then the largest tree) whose tree includes leaf `last`,
    /// with the checkpoint it anchors; without one, the newest checkpoint.
    func insertBatch(coveringUpTo last: UInt64, newest: (UInt64, [UInt8]), now: Int64) throws -> Int64 {
        let anchor = try db.prepare("""
            SELECT a.txid, a.block_height, a.block_hash, c.tree_size, c.root FROM anchors a
            JOIN checkpoints c ON c.tree_size = a.tree_size
            WHERE a.state IN ('broadcast', 'confirmed', 'final') AND a.tree_size > ?
            ORDER BY CASE a.state WHEN 'final' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END, a.tree_size DESC, a.id DESC LIMIT 1
            """).rows(.integer(Int64(last))) { st in
            (st.text(0) ?? "", st.isNull(1) ? SQLiteValue.null : .integer(st.int64(1)), st.text(2).map { SQLiteValue.text($0) } ?? .null,
             st.int64(3), st.blob(4) ?? [])
        }.first
        let size = anchor.map { $0.3 } ?? Int64(newest.0)
        let root = anchor.map { $0.4 } ?? newest.1
        try db.cachedStatement("""
            INSERT INTO delivery_batches(state, created_at, checkpoint_size, checkpoint_root, anchor_txid,
                anchor_block_height, anchor_block_hash, updated_at) VALUES ('pending', ?, ?, ?, ?, ?, ?, ?)
            """).run(.integer(now), .integer(size), .blob(root), anchor.map { .text($0.0) } ?? .null,
                     anchor?.1 ?? .null, anchor?.2 ?? .null, .integer(now))
        return db.lastInsertRowID
    }

    public func batch(_ id: Int64) throws -> DeliveryBatch? { try DeliveryBatch.load(db, id: id, cipher: cipher, patients: patients) }

    /// The clinic committed the batch. `clinic`: its URL, for the access trail.
    public func markDelivered(_ id: Int64, status: Int, now: Int64, clinic: String? = nil) throws {
        try finish(id, state: "delivered", status: status, error: nil, now: now, clinic: clinic)
    }

    /// The clinic refused the batch for good (a 4xx about its content): kept with the answer, not resent.
    public func markFailed(_ id: Int64, status: Int, error: String, now: Int64, clinic: String? = nil) throws {
        try finish(id, state: "failed", status: status, error: error, now: now, clinic: clinic)
    }

    /// An attempt that will be retried: the clinic was unreachable or answered 5xx, 408, 429, 401 or 403.
    public func recordRetry(_ id: Int64, status: Int?, error: String, now: Int64) throws {
        try db.cachedStatement("""
            UPDATE delivery_batches SET attempts = attempts + 1, last_status = ?, last_error = ?, updated_at = ? WHERE id = ?
            """).run(status.map { .integer(Int64($0)) } ?? .null, .text(error), .integer(now), .integer(id))
    }

    func finish(_ id: Int64, state: String, status: Int, error: String?, now: Int64, clinic: String? = nil) throws {
        try db.transaction(.immediate) {
            // The access trail's record of the batch (docs/audit.md): which leaves went
            // where, and how it ended. No patient and no value: those are in the leaves.
            let (count, first, last) = try db.prepare("SELECT COUNT(*), MIN(leaf_index), MAX(leaf_index) FROM deliveries WHERE batch = ?")
                .rows(.integer(id)) { ($0.int64(0), $0.int64(1), $0.int64(2)) }.first ?? (0, 0, 0)
            let attempts = try db.scalar("SELECT attempts FROM delivery_batches WHERE id = ?", .integer(id)) + 1
            var details: [String: AccessEvent.Value] = [
                "batch": .integer(id), "readings": .integer(count), "first_leaf": .integer(first), "last_leaf": .integer(last),
                "outcome": .string(state == "delivered" ? "delivered" : "refused"), "status": .integer(Int64(status)),
                "attempts": .integer(attempts), "actor": .string("agent"),
            ]
            if let clinic { details["clinic"] = .string(AccessTrail.withoutCredentials(clinic)) }
            try AccessTrail.record(AccessEventDraft(.delivery, ts: now, details: details), in: db)
            try db.cachedStatement("""
                UPDATE delivery_batches SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?,
                    delivered_at = CASE WHEN ? = 'delivered' THEN ? END, updated_at = ? WHERE id = ?
                """).run(.text(state), .integer(Int64(status)), SQLiteValue(error), .text(state), .integer(now),
                         .integer(now), .integer(id))
            try db.cachedStatement("UPDATE deliveries SET state = ?, updated_at = ? WHERE batch = ?")
                .run(.text(state), .integer(now), .integer(id))
        }
    }
}
