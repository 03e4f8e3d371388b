import SQLiteStore
import Vitals

/// Which `(device, boot, seq)` the gateway has decided, and where in the log
/// the stored ones are: exactly-once without a per-reading index
/// (docs/storage.md, "Exactly once").
///
/// Until issue 14 a UNIQUE index on `readings(device, boot, seq)` did this.
/// Its entries are ordered by device, so every commit rewrote one index page
/// per device in the batch: at 100 devices it was most of what the gateway
/// wrote to its card (docs/performance.md). Devices number their readings, so
/// the decided seqs of one `(device, boot)` are a few *runs* of consecutive
/// seqs; they are held in memory, written to `reading_runs` once a minute in
/// an ingest commit, and the readings committed since are replayed at start.
///
/// A run is *monotone*: its stored readings lie in the log in seq order, so
/// the reading with a given seq is found by binary search over the log
/// (`locate`) when a resend must be compared with it. Seqs the gateway
/// refused (for their content, from an enrolled device) are decided too: the
/// device was told to forget them, so they fill the holes that would
/// otherwise split runs. Runs whose readings are all pruned and older than
/// the dedupe window are forgotten (a resend of them is refused by its
/// timestamp before it gets here).
public struct ReadingRuns: Sendable {
    struct Key: Hashable, Sendable {
        let device: String
        let boot: UInt32
    }

    struct Run: Equatable, Sendable {
        var seqFirst: UInt64
        var seqLast: UInt64
        /// The first and last stored reading's leaf index; nil while the run holds refusals only.
        var leafFirst: UInt64?
        var leafLast: UInt64?
        /// When its newest reading or refusal was received (ms).
        var receivedLast: Int64

        func contains(_ seq: UInt64) -> Bool { seq >= seqFirst && seq <= seqLast }
    }

    /// Runs per key, sorted by `seqFirst`, disjoint.
    private(set) var runs: [Key: [Run]] = [:]
    /// Keys whose runs changed since the last `save`.
    private var dirty: Set<Key> = []
    /// Most runs kept per key: a device sending random seqs would otherwise
    /// grow the table without bound. Beyond it the two oldest runs merge
    /// (their hole counts as decided).
    static let maxRunsPerKey = 4096

    init() {}

    /// Whether `seq` of `(device, boot)` is decided, and the run holding it.
    func run(device: String, boot: UInt32, seq: UInt64) -> Run? {
        guard let list = runs[Key(device: device, boot: boot)] else { return nil }
        // The newest run first: resends are almost always of recent readings.
        if let last = list.last, last.contains(seq) { return last }
        var lo = 0, hi = list.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if list[mid].contains(seq) { return list[mid] }
            if seq < list[mid].seqFirst { hi = mid - 1 } else { lo = mid + 1 }
        }
        return nil
    }

    /// Records `seq` as decided: stored at `leaf`, or refused (`leaf` nil).
    /// Precondition: it is not decided yet.
    mutating func record(device: String, boot: UInt32, seq: UInt64, leaf: UInt64?, at millis: Int64) {
        let key = Key(device: device, boot: boot)
        dirty.insert(key)
        var list = runs[key] ?? []
        defer { runs[key] = list }
        // Where `seq` goes: after every run that starts below it.
        var position = list.count
        if let last = list.last, last.seqFirst > seq {
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].seqFirst < seq { lo = mid + 1 } else { hi = mid }
            }
            position = lo
        }
        // A stored reading is always the newest leaf, so it may extend the run
        // ending just below it; it may not extend one starting just above it
        // that already has readings (that would break the run's seq order).
        if position > 0, seq > 0, list[position - 1].seqLast == seq - 1 {
            list[position - 1].seqLast = seq
            list[position - 1].add(leaf: leaf, at: millis, atEnd: true)
            if position < list.count, list[position].seqFirst == seq + 1, Run.canJoin(list[position - 1], list[position]) {
                list[position - 1].join(list[position])
                list.remove(at: position)
            }
            return
        }
        if position < list.count, list[position].seqFirst == seq + 1, leaf == nil || list[position].leafFirst == nil {
            list[position].seqFirst = seq
            list[position].add(leaf: leaf, at: millis, atEnd: false)
            return
        }
        list.insert(Run(seqFirst: seq, seqLast: seq, leafFirst: leaf, leafLast: leaf, receivedLast: millis), at: position)
        if list.count > Self.maxRunsPerKey {
            list[0].join(list[1])
            list.remove(at: 1)
        }
    }

    /// Forgets runs whose readings are all pruned (below `prunedBelow`) or
    /// that hold none, and whose newest entry is older than `before` (ms).
    mutating func forget(receivedBefore before: Int64, prunedBelow: UInt64) {
        for (key, list) in runs {
            let kept = list.filter { $0.receivedLast >= before || ($0.leafLast.map { $0 >= prunedBelow } ?? false) }
            if kept.count != list.count {
                runs[key] = kept.isEmpty ? nil : kept
                dirty.insert(key)
            }
        }
    }

    /// The number of runs held (for status and tests).
    var count: Int { runs.values.reduce(0) { $0 + $1.count } }
}

extension ReadingRuns.Run {
    mutating func add(leaf: UInt64?, at millis: Int64, atEnd: Bool) {
        receivedLast = max(receivedLast, millis)
        guard let leaf else { return }
        if leafFirst == nil { leafFirst = leaf }
        if atEnd || leafLast == nil { leafLast = leaf }
    }

    /// Two adjacent runs may become one only if the left one's readings all
    /// precede the right one's in the log (the joined run stays monotone).
    static func canJoin(_ left: Self, _ right: Self) -> Bool {
        guard let l = left.leafLast, let r = right.leafFirst else { return true }
        return l < r
    }

    mutating func join(_ right: Self) {
        seqLast = right.seqLast
        leafFirst = leafFirst ?? right.leafFirst
        if let r = right.leafLast { leafLast = max(leafLast ?? r, r) }
        receivedLast = max(receivedLast, right.receivedLast)
    }
}

// MARK: - Persistence

extension ReadingRuns {
    static let throughKey = "reading_runs_through"

    /// The runs as of the last `save`, brought up to date with every reading
    /// committed since (all of them on a database that never saved any).
    static func load(_ db: Database) throws -> ReadingRuns {
        var result = ReadingRuns()
        // A database an earlier release wrote (read before the agent migrates it) has no runs yet.
        let rows = try !db.tableExists("reading_runs") ? [] : try db.prepare("""
            SELECT device, boot, seq_first, seq_last, leaf_first, leaf_last, received_last FROM reading_runs
            ORDER BY device, boot, seq_first
            """).rows { st in
            (Key(device: st.text(0) ?? "", boot: UInt32(truncatingIfNeeded: st.int64(1))),
             Run(seqFirst: UInt64(st.int64(2)), seqLast: UInt64(st.int64(3)),
                 leafFirst: st.isNull(4) ? nil : UInt64(st.int64(4)), leafLast: st.isNull(5) ? nil : UInt64(st.int64(5)),
                 receivedLast: st.int64(6)))
        }
        for (key, run) in rows { result.runs[key, default: []].append(run) }
        let through = Int64(try db.meta(throughKey) ?? "0") ?? 0
        let replay = try db.prepare("SELECT leaf_index, device, boot, seq, received_at FROM readings WHERE leaf_index >= ? ORDER BY leaf_index")
        try replay.bind(.integer(through))
        while try replay.step() {
            let device = replay.text(1) ?? "", boot = UInt32(truncatingIfNeeded: replay.int64(2)), seq = UInt64(replay.int64(3))
            if result.run(device: device, boot: boot, seq: seq) == nil {
                result.record(device: device, boot: boot, seq: seq, leaf: UInt64(replay.int64(0)), at: replay.int64(4))
            }
        }
        return result
    }

    /// Writes the runs that changed, and that they cover the log below `treeSize`.
    mutating func save(_ db: Database, treeSize: UInt64) throws {
        let delete = try db.cachedStatement("DELETE FROM reading_runs WHERE device = ? AND boot = ?")
        for key in dirty {
            try delete.run(.text(key.device), .integer(Int64(key.boot)))
            for run in runs[key] ?? [] {
                try db.cachedStatement("""
                    INSERT INTO reading_runs(device, boot, seq_first, seq_last, leaf_first, leaf_last, received_last)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).run(.text(key.device), .integer(Int64(key.boot)), .integer(Int64(run.seqFirst)), .integer(Int64(run.seqLast)),
                             run.leafFirst.map { .integer(Int64($0)) } ?? .null, run.leafLast.map { .integer(Int64($0)) } ?? .null,
                             .integer(run.receivedLast))
            }
        }
        try db.setMeta(Self.throughKey, String(treeSize))
        dirty.removeAll(keepingCapacity: true)
    }
}

// MARK: - Finding a reading

extension ReadingRuns {
    /// The leaf index of stored reading `(device, boot, seq)`, found in the
    /// log by the run that holds it; nil if it is not held (never stored,
    /// refused, or pruned). O(log n) probes of the log, each reading rows
    /// from a leaf index until the next one of this run.
    func locate(_ db: Database, device: String, boot: UInt32, seq: UInt64) throws -> UInt64? {
        guard let run = run(device: device, boot: boot, seq: seq), let first = run.leafFirst, let last = run.leafLast else { return nil }
        let probe = try db.cachedStatement("""
            SELECT leaf_index, seq FROM readings WHERE leaf_index >= ? AND leaf_index <= ? AND device = ? AND boot = ?
            AND seq >= ? AND seq <= ? ORDER BY leaf_index LIMIT 1
            """)
        /// The first reading of the run at or after leaf `at`.
        func next(_ at: UInt64) throws -> (leaf: UInt64, seq: UInt64)? {
            defer { probe.reset() }
            try probe.bind(.integer(Int64(at)), .integer(Int64(last)), .text(device), .integer(Int64(boot)),
                           .integer(Int64(run.seqFirst)), .integer(Int64(run.seqLast)))
            guard try probe.step() else { return nil }
            return (UInt64(probe.int64(0)), UInt64(probe.int64(1)))
        }
        // The smallest leaf position whose next reading has seq >= the one sought:
        // first galloping back from the end (resends are of recent readings), then bisecting.
        var hi = last, step: UInt64 = 256
        var lo = first
        while hi > first {
            let candidate = hi - min(step, hi - first)
            guard let found = try next(candidate) else { break }
            if found.seq < seq {
                lo = candidate
                break
            }
            hi = candidate
            step *= 2
        }
        if hi == first { lo = first }
        // Invariant: next(lo) has seq < sought (or lo is the run's start); next(hi) has seq >= sought.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            guard let found = try next(mid) else { hi = mid; continue }
            if found.seq < seq { lo = mid } else { hi = mid }
        }
        for start in [lo, hi] {
            if let found = try next(start), found.seq == seq { return found.leaf }
        }
        return nil
    }
}
