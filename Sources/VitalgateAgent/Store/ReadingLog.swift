import Merkle
import ProofBundle
import SHA2
import SQLiteStore
import Sodium
import Vitals

/// What happened to one message of a batch.
public enum IngestOutcome: Sendable, Equatable {
    case stored(leafIndex: UInt64)
    case rejected(Rejection)
}

/// The writer side of the log: stores accepted readings as leaves (with the
/// perfect subtree nodes they complete) and rejections, one SQLite
/// transaction per batch. Owned by the ingest thread alone. Leaves are
/// stored sealed with `cipher`; the log hashes their plaintext.
public final class ReadingLog {
    let db: Database
    let nodes: MerkleNodeTable
    public internal(set) var range: CompactRange
    let rejectionsKept: Int
    let cipher: LeafCipher
    /// Nonces for sealing and leaf salts, fetched in bulk (one getrandom(2)
    /// per 256 readings).
    let random = RandomPool()
    /// When each device's `last_seen` was last written. It is written at most
    /// once a second per device (`device list` shows it to the second): one
    /// UPDATE per device per commit was a tenth of a live commit's work.
    private var lastSeenWritten: [String: Int64] = [:]
    /// The hot path's statements, compiled once (no cache lookup per reading).
    let insertReading: Statement
    let findReading: Statement

    public init(db: Database, rejectionsKept: Int, cipher: LeafCipher) throws {
        self.db = db
        self.nodes = MerkleNodeTable(db)
        self.rejectionsKept = rejectionsKept
        self.cipher = cipher
        insertReading = try db.prepare("""
            INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(device, boot, seq) DO NOTHING
            """)
        findReading = try db.prepare("SELECT leaf_index, leaf FROM readings WHERE device = ? AND boot = ? AND seq = ?")
        // The log's end is one past its last leaf; building the compact range reads the
        // right edge's perfect subtrees, so a damaged end is found here, at start-up.
        self.range = try CompactRange(size: try nodes.treeSize(), nodes: nodes)
    }

    public var treeSize: UInt64 { range.size }

    /// A message after validation: the reading, or why it was refused.
    public struct Item: Sendable {
        public let topic: String
        public let result: Result<Reading, Rejection>
        public init(topic: String, result: Result<Reading, Rejection>) {
            self.topic = topic
            self.result = result
        }
    }

    /// Commits `items` in one transaction. If the commit fails nothing of the
    /// batch is kept, in the database or in memory, and the error is thrown.
    public func commit(_ items: [Item], receivedAt: Int64) throws -> [IngestOutcome] {
        let saved = range
        var seenWritten: [String] = []
        do {
            let outcomes = try db.transaction(.immediate) {
                var outcomes: [IngestOutcome] = []
                outcomes.reserveCapacity(items.count)
                var lastSeen: [String: Int64] = [:]
                // Nodes completed by this batch, written together after its readings.
                var completed: [(level: Int, index: UInt64, hash: SHA256Digest)] = []
                completed.reserveCapacity(items.count + items.count / 8 + 8)
                for item in items {
                    switch item.result {
                    case .success(let reading):
                        let outcome = try store(reading, receivedAt: receivedAt, completing: &completed)
                        if case .rejected(let r) = outcome { try record(r, topic: item.topic, at: receivedAt) }
                        outcomes.append(outcome)
                        lastSeen[reading.device] = receivedAt
                    case .failure(let rejection):
                        try record(rejection, topic: item.topic, at: receivedAt)
                        outcomes.append(.rejected(rejection))
                    }
                }
                try nodes.insertAboveLeaves(completed)
                let seen = try db.cachedStatement("UPDATE devices SET last_seen = ? WHERE id = ?")
                for (device, at) in lastSeen where lastSeenWritten[device].map({ at - $0 >= 1000 }) ?? true {
                    try seen.run(.integer(at), .text(device))
                    seenWritten.append(device)
                }
                // Only a batch that recorded a rejection can have grown the record.
                if outcomes.contains(where: { if case .rejected = $0 { true } else { false } }) { try pruneRejections() }
                return outcomes
            }
            for device in seenWritten { lastSeenWritten[device] = receivedAt }
            return outcomes
        } catch {
            range = saved
            throw error
        }
    }

    private func store(_ reading: Reading, receivedAt: Int64,
                       completing completed: inout [(level: Int, index: UInt64, hash: SHA256Digest)]) throws -> IngestOutcome {
        // A version 2 leaf (docs/encoding.md): salted, so that its hash, stored in the
        // clear and shown in neighbours' proofs, says nothing about the values.
        var salt = random.bytes(ReadingLeaf.saltByteCount)
        var leaf = ReadingLeaf(reading: reading, salt: salt).bytes
        defer {
            sodiumZero(&leaf)
            sodiumZero(&salt)
        }
        let leafHash = RFC9162.hashLeaf(leaf)
        let index = range.size
        try insertReading.run(.integer(Int64(index)), .text(reading.device), .integer(Int64(reading.boot)),
                              .integer(Int64(reading.seq)), .integer(reading.ts), .integer(receivedAt),
                              .blob(cipher.seal(leaf, index: index, nonces: random)), .blob(leafHash.bytes))
        if db.changes == 0 {
            // Exactly once: (device, boot, seq) is already stored. The same reading is a
            // resend. Each leaf has its own salt, so the stored one is opened and the
            // readings compared (resends are rare; the hot path never decrypts).
            let same = try storedReading(device: reading.device, boot: reading.boot, seq: reading.seq) == reading
            let reason: RejectionReason = same ? .duplicate : .conflict
            let detail = same
                ? "seq \(reading.seq) (boot \(reading.boot)) is already stored"
                : "seq \(reading.seq) (boot \(reading.boot)) is already stored with other content; the first is kept"
            return .rejected(Rejection(reason: reason, detail: detail, device: reading.device, boot: reading.boot, seq: reading.seq))
        }
        completed += range.append(leafHash)
        return .stored(leafIndex: index)
    }

    /// The stored reading `(device, boot, seq)`, opened; nil if there is none.
    private func storedReading(device: String, boot: UInt32, seq: UInt64) throws -> Reading? {
        let existing = findReading
        defer { existing.reset() }
        try existing.bind(.text(device), .integer(Int64(boot)), .integer(Int64(seq)))
        guard try existing.step(), let sealed = existing.blob(1) else { return nil }
        var leaf = try cipher.open(sealed, index: UInt64(existing.int64(0)))
        defer { sodiumZero(&leaf) }
        return try ReadingLeaf(bytes: leaf).reading
    }

    private func record(_ rejection: Rejection, topic: String, at millis: Int64) throws {
        try db.cachedStatement("""
            INSERT INTO rejection_counts(reason, count) VALUES (?, 1)
            ON CONFLICT(reason) DO UPDATE SET count = count + 1
            """).run(.text(rejection.reason.rawValue))
        guard rejectionsKept > 0 else { return }
        // The topic is bounded too: a hostile client picks it.
        try db.cachedStatement("INSERT INTO rejections(received_at, topic, device, reason, detail) VALUES (?, ?, ?, ?, ?)")
            .run(.integer(millis), .text(String(topic.prefix(200))), SQLiteValue(rejection.device),
                 .text(rejection.reason.rawValue), .text(rejection.detail))
    }

    /// Keeps the record of rejections bounded; what is pruned stays counted
    /// in `rejection_counts`, and the number pruned in `meta`.
    private func pruneRejections() throws {
        let newest = try db.scalar("SELECT COALESCE(MAX(id), 0) FROM rejections")
        let cutoff = newest - Int64(rejectionsKept)
        guard cutoff > 0 else { return }
        try db.cachedStatement("DELETE FROM rejections WHERE id <= ?").run(.integer(cutoff))
        let dropped = db.changes
        if dropped > 0 {
            try db.cachedStatement("""
                INSERT INTO meta(key, value) VALUES ('rejections_dropped', ?)
                ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value
                """).run(.text(String(dropped)))
        }
    }
}

extension ReadingLog {
    /// Appends the access events waiting in `audit_pending` as leaves, in one
    /// transaction (docs/audit.md); on failure nothing is kept, in the
    /// database or in memory.
    func appendAccessEvents(opener: PatientCipher, gatewayID: String) throws -> [(index: UInt64, event: AccessEvent)] {
        guard try AccessTrail.hasPending(db) else { return [] }
        let saved = range
        do {
            return try db.transaction(.immediate) {
                try AccessTrail.appendPending(db, range: &range, cipher: cipher, opener: opener, gatewayID: gatewayID, random: random)
            }
        } catch {
            range = saved
            throw error
        }
    }
}
