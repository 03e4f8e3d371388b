import Threads
import SQLiteStore
#if canImport(Glibc)
import Glibc
#endif

/// Until the agent publishes acknowledgements: watches its database with a
/// read-only connection (WAL readers never block the writer) every few
/// milliseconds and counts a reading committed when its row is visible.
/// Commit times are then late by up to one poll interval.
final class CommitPoller: @unchecked Sendable {
    private let db: Database
    private let lock = ConditionLock()
    private var tracker: DeliveryTracker?
    private var running = true
    private var thread: pthread_t?
    private var nextLeaf: Int64 = 0
    let intervalSeconds: Double

    init(databasePath: String, intervalSeconds: Double = 0.002) throws {
        var options = Database.Options()
        options.readOnly = true
        db = try Database(path: databasePath, options: options)
        self.intervalSeconds = intervalSeconds
        nextLeaf = (try? maxLeaf()) ?? 0
    }

    private func maxLeaf() throws -> Int64 {
        let st = try db.cachedStatement("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM readings")
        defer { st.reset() }
        return try st.step() ? st.int64(0) : 0
    }

    func track(_ tracker: DeliveryTracker?) { lock.withLock { self.tracker = tracker } }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        pthread_create(&t, nil, { raw in
            let poller = Unmanaged<CommitPoller>.fromOpaque(raw!).takeRetainedValue()
            poller.loop()
            return nil
        }, box)
        thread = t
    }

    private func loop() {
        while lock.withLock({ running }) {
            poll()
            sleepSeconds(intervalSeconds)
        }
    }

    private func poll() {
        guard let st = try? db.cachedStatement("SELECT leaf_index, device, seq FROM readings WHERE leaf_index >= ? ORDER BY leaf_index") else { return }
        defer { st.reset() }
        let now = monotonicNanos()
        let target = lock.withLock { tracker }
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
        lock.withLock { running = false }
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }
}
