import SQLiteStore
import Threads

/// Until the agent publishes acknowledgements: watches its database with a
/// read-only connection (WAL readers never block the writer) every few
/// milliseconds and counts a reading committed when its row is visible.
/// Commit times are then late by up to one poll interval.
final class CommitPoller: Sendable {
    /// Used by the poller thread only, after `init`.
    private let db: Database
    private struct Shared {
        var tracker: DeliveryTracker?
        var running = true
    }
    private let shared = LockedBox(Shared())
    private let thread = WorkerThread(name: "bench-commit-poller")
    private let firstLeaf: Int64
    let intervalSeconds: Double

    init(databasePath: String, intervalSeconds: Double = 0.002) throws {
        var options = Database.Options()
        options.readOnly = true
        db = try Database(path: databasePath, options: options)
        self.intervalSeconds = intervalSeconds
        firstLeaf = (try? Self.maxLeaf(db)) ?? 0
    }

    private static func maxLeaf(_ db: Database) throws -> Int64 {
        let st = try db.cachedStatement("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM readings")
        defer { st.reset() }
        return try st.step() ? st.int64(0) : 0
    }

    func track(_ tracker: DeliveryTracker?) { shared.withLock { $0.tracker = tracker } }

    func start() { thread.start { [self] in loop() } }

    private func loop() {
        var nextLeaf = firstLeaf
        while shared.withLock({ $0.running }) {
            poll(&nextLeaf)
            ThreadSleep.for(.seconds(intervalSeconds))
        }
    }

    private func poll(_ nextLeaf: inout Int64) {
        guard let st = try? db.cachedStatement("SELECT leaf_index, device, seq FROM readings WHERE leaf_index >= ? ORDER BY leaf_index") else { return }
        defer { st.reset() }
        let now = crossProcessNanos()
        let target = shared.withLock { $0.tracker }
        do {
            try st.bind(.integer(nextLeaf))
            while try st.step() {
                nextLeaf = st.int64(0) + 1
                let seq = UInt64(st.int64(2))
                target?.didDeliver(device: st.text(1) ?? "", seqs: seq...seq, at: now)
            }
        } catch {}
    }

    func stop() {
        shared.withLock { $0.running = false }
        thread.join()
    }
}
