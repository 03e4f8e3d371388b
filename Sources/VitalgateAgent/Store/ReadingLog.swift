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
    /// Which (device, boot, seq) are decided, and where the stored ones are
    /// (`ReadingRuns`): exactly-once without a per-reading index.
    private(set) var runs: ReadingRuns
    /// How long a resend can come after its reading (max past plus future
    /// skew, ms): runs of pruned readings are kept at least this long.
    let dedupeWindowMillis: Int64
    /// Each device's newest `last_seen` not yet written. It is written with
    /// the runs, at most once a minute (`stateInterval`): one UPDATE per
    /// device per commit rewrote the whole devices table at 100 devices.
    private var lastSeen: [String: Int64] = [:]
    /// Devices whose `last_seen` this session has written: a device's first
    /// reading (a new device, or after a restart) writes at once, so `device
    /// list` and the metrics see it within a commit; after that, once a minute.
    private var seenWritten: Set<String> = []
    /// When `lastSeen` and the runs were last written (ms).
    private var stateWrittenAt: Int64
    static let stateInterval: Int64 = 60_000
    /// The hot path's statements, compiled once (no cache lookup per reading).
    let insertReading: Statement
    let findReading: Statement

    public init(db: Database, rejectionsKept: Int, cipher: LeafCipher, dedupeWindowMillis: Int64 = 7 * 86_400_000 + 300_000) throws {
        self.db = db
        self.nodes = MerkleNodeTable(db)
        self.rejectionsKept = rejectionsKept
        self.cipher = cipher
        self.dedupeWindowMillis = dedupeWindowMillis
        insertReading = try db.prepare("""
            INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        findReading = try db.prepare("SELECT leaf, device, boot, seq, ts FROM readings WHERE leaf_index = ?")
        // The log's end is one past its last leaf; building the compact range reads the
        // right edge's perfect subtrees, so a damaged end is found here, at start-up.
        self.range = try CompactRange(size: try nodes.treeSize(), nodes: nodes)
        runs = try ReadingRuns.load(db)
        stateWrittenAt = WallClock.nowMillis()
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
        let saved = (range, runs, lastSeen, seenWritten)
        do {
            let outcomes = try db.transaction(.immediate) {
                var firstSighting = false
                var outcomes: [IngestOutcome] = []
                outcomes.reserveCapacity(items.count)
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
                        if !seenWritten.contains(reading.device) { firstSighting = true }
                    case .failure(let rejection):
                        try record(rejection, topic: item.topic, at: receivedAt)
                        outcomes.append(.rejected(rejection))
                    }
                }
                try nodes.insertAboveLeaves(completed)
                // Only a batch that recorded a rejection can have grown the record.
                if outcomes.contains(where: { if case .rejected = $0 { true } else { false } }) { try pruneRejections() }
                if firstSighting || receivedAt - stateWrittenAt >= Self.stateInterval { try writeState(now: receivedAt) }
                return outcomes
            }
            return outcomes
        } catch {
            (range, runs, lastSeen, seenWritten) = saved
            throw error
        }
    }

    /// Writes what is kept in memory between commits (each device's
    /// `last_seen`, the runs), in the caller's transaction, and forgets runs
    /// no resend can reach any more. Done once a minute and at shutdown.
    private func writeState(now: Int64) throws {
        let seen = try db.cachedStatement("UPDATE devices SET last_seen = ? WHERE id = ?")
        for (device, at) in lastSeen { try seen.run(.integer(at), .text(device)) }
        let prunedBelow = UInt64(try db.meta(ReadingPruner.prunedBelowKey).flatMap { UInt64($0) } ?? 0)
        runs.forget(receivedBefore: now - dedupeWindowMillis, prunedBelow: prunedBelow)
        try runs.save(db, treeSize: range.size)
        seenWritten.formUnion(lastSeen.keys)
        lastSeen.removeAll(keepingCapacity: true)
        stateWrittenAt = now
    }

    /// Writes the in-memory state now (at shutdown), in its own transaction.
    public func flushState() throws {
        let saved = (runs, lastSeen, seenWritten)
        do {
            try db.transaction(.immediate) { try writeState(now: WallClock.nowMillis()) }
        } catch {
            (runs, lastSeen, seenWritten) = saved
            throw error
        }
    }

    private func store(_ reading: Reading, receivedAt: Int64,
                       completing completed: inout [(level: Int, index: UInt64, hash: SHA256Digest)]) throws -> IngestOutcome {
        if runs.run(device: reading.device, boot: reading.boot, seq: reading.seq) != nil {
            return try resent(reading)
        }
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
                              .blob(cipher.seal(leaf: leaf, row: LeafCipher.Row(index: index, reading), nonces: random)), .blob(leafHash.bytes))
        runs.record(device: reading.device, boot: reading.boot, seq: reading.seq, leaf: index, at: receivedAt)
        completed += range.append(leafHash)
        return .stored(leafIndex: index)
    }

    /// Exactly once: `(device, boot, seq)` is already decided. The same
    /// reading is a resend. Each leaf has its own salt, so the stored one is
    /// opened and the readings compared (resends are rare; the hot path never
    /// decrypts). A decided seq the log no longer holds (pruned, or refused
    /// earlier and so forgotten by the device) is answered as a duplicate.
    private func resent(_ reading: Reading) throws -> IngestOutcome {
        let stored = try storedReading(device: reading.device, boot: reading.boot, seq: reading.seq)
        let same = stored.map { $0 == reading } ?? true
        let reason: RejectionReason = same ? .duplicate : .conflict
        let detail = stored == nil
            ? "seq \(reading.seq) (boot \(reading.boot)) was decided before and is not held any more (pruned, or refused)"
            : same ? "seq \(reading.seq) (boot \(reading.boot)) is already stored"
            : "seq \(reading.seq) (boot \(reading.boot)) is already stored with other content; the first is kept"
        return .rejected(Rejection(reason: reason, detail: detail, device: reading.device, boot: reading.boot, seq: reading.seq))
    }

    /// The stored reading `(device, boot, seq)`, opened; nil if it is not held.
    private func storedReading(device: String, boot: UInt32, seq: UInt64) throws -> Reading? {
        guard let index = try runs.locate(db, device: device, boot: boot, seq: seq) else { return nil }
        let existing = findReading
        defer { existing.reset() }
        try existing.bind(.integer(Int64(index)))
        guard try existing.step(), let sealed = existing.blob(0) else { return nil }
        var leaf = try cipher.open(sealed, row: LeafCipher.Row(index: index, device: existing.text(1) ?? "", boot: UInt32(truncatingIfNeeded: existing.int64(2)),
                                                                 seq: UInt64(existing.int64(3)), ts: existing.int64(4)))
        defer { sodiumZero(&leaf) }
        return try ReadingLeaf(bytes: leaf).reading
    }

    private func record(_ rejection: Rejection, topic: String, at millis: Int64) throws {
        // A refusal of an enrolled device's reading for its content decides its seq
        // too: the device was told to forget it (Devices/README.md).
        if rejection.reason.decidesSeq, let device = rejection.device, let boot = rejection.boot, let seq = rejection.seq,
           runs.run(device: device, boot: boot, seq: seq) == nil {
            runs.record(device: device, boot: boot, seq: seq, leaf: nil, at: millis)
        }
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

extension RejectionReason {
    /// Refusals of a reading from an enrolled device for what it holds. Not:
    /// messages without a readable reading, from unknown or revoked devices
    /// or another device's topic (anyone could make those up), and resends.
    var decidesSeq: Bool {
        switch self {
        case .payloadTooLarge, .invalidUTF8, .invalidJSON, .notAnObject, .badTopic, .unknownDevice, .revokedDevice,
             .deviceMismatch, .duplicate, .conflict:
            false
        default:
            true
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
