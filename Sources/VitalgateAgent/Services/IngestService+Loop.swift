import Threads
import Logging
import MQTT
import SQLiteStore
import Vitals

extension IngestService {
    /// The ingest thread's body.
    func run() {
        var backoff = Backoff(base: .milliseconds(500), cap: .seconds(30))
        var own = ThreadState()
        while true {
            do {
                try runSession(&own)
                return
            } catch {
                // The database could not be opened or written (disk full, I/O error). Nothing
                // taken from the broker is dropped: the batch stays in `inbox` and is retried.
                let delay = backoff.nextDelay()
                let full = (error as? SQLiteError)?.isFull == true || "\(error)".contains("No space left")
                if full { noteProgress(waitingForRoom: true) }
                let why = Self.pauseReason(error, full: full)
                if let line = own.pauseLog.line("ingest paused, nothing is acknowledged: \(why)") {
                    logger.error("\(line); retrying in \(Int(delay.seconds * 1000)) ms")
                }
                own.paused = true
                board.set(.ingest, .critical, "paused", why)
                checkBroker()
                let stop = loop.lock.withLock { locked -> Bool in
                    if !locked.state.stopping { locked.wait(for: delay) }
                    return locked.state.stopping && locked.state.inbox.isEmpty
                }
                if stop { return }
            }
        }
    }

    private func runSession(_ own: inout ThreadState) throws {
        let db = try GatewayDatabase.open(config.home)
        let log = try ReadingLog(db: db, rejectionsKept: config.rejectionsKept, cipher: cipher,
                                 dedupeWindowMillis: config.maxPastSkewMillis + config.maxFutureSkewMillis)
        var devices = DeviceCache(table: DeviceTable(db)) { [self] in publishDevices($0) }
        try devices.reload()
        // Pruned readings were stored too (docs/storage.md): the metric is a counter.
        let stored = try db.scalar("SELECT COUNT(*) FROM readings") + (Int64(try db.meta(ReadingPruner.prunedCountKey) ?? "0") ?? 0)
        progress.withLock { $0.storedReadings = stored }
        if loop.lock.withLock({ $0.state.client == nil }) {
            let client = try makeClient()
            // Started under the lock, so `stopAndJoin` finds it or none is started.
            let started = try loop.lock.withLock { locked throws -> Bool in
                guard !locked.state.noMoreClients else { return false }
                try client.start()
                locked.state.client = client
                return true
            }
            if started { logger.info("ingest: log size \(log.treeSize); connecting to \(config.mqttHost):\(config.mqttPort) as client id \(config.mqttClientID)\(config.mqttUsername.map { ", user \($0)" } ?? "")") }
        }
        if !own.paused { board.set(.ingest, .ok, "running", "log size \(log.treeSize)") }
        var previousBatch = 0
        var previousStart = ContinuousClock.now
        var trail = AccessTrailPoll()
        trail.append(log, self)
        while true {
            let (batch, done, drained) = loop.lock.withLock { locked -> ([InboxItem], Bool, Bool) in
                // Sleep until a message or a stop; at most 10 s, for the device refresh and the
                // watchdog, or a second while access events are appended (docs/audit.md).
                if locked.state.inbox.isEmpty && !locked.state.stopping {
                    locked.wait(for: patients == nil ? .seconds(10) : AccessTrailPoll.interval)
                }
                if !own.heldForStorage { collect(locked, previousBatch: previousBatch, previousStart: previousStart) }
                let take = min(locked.state.inbox.count, Self.maxBatch)
                let batch = locked.state.inbox.first(take)
                // Pacing may hold acks while the stream flows; once this batch takes
                // everything waiting, the batch's acks and any held ones go out at once.
                return (batch, locked.state.stopping && locked.state.inbox.count == take, locked.state.inbox.count == take)
            }
            let now = WallClock.nowMillis()
            previousStart = .now
            if batch.isEmpty {
                noteProgress()
                if own.paused {
                    // The session reopened and nothing waits: nothing is failing any more.
                    own.paused = false
                    own.pauseLog.clear()
                    board.set(.ingest, .ok, "running", "log size \(log.treeSize)")
                }
            }
            if !batch.isEmpty {
                // Over the storage budget nothing is committed, so nothing is acknowledged
                // (devices keep their readings); at shutdown what is held is committed anyway.
                if !done, let reached = try storageBudgetReached(db) {
                    holdForStorage(reached, &own, db: db, now: now)
                    continue
                }
                let items = batch.map { item in
                    switch item {
                    case .validated(let validated):
                        return validated
                    case .raw(let message):
                        return ReadingLog.Item(topic: message.topic, result: message.payload.withUnsafeBytes { payload in
                            validator.validate(topic: message.topic, payload: payload, nowMillis: now) { devices.status($0, now: now) }
                        })
                    }
                }
                let outcomes = try log.commit(items, receivedAt: now)
                let committed = ContinuousClock.now
                let newlyStored = Int64(outcomes.reduce(0) { if case .stored = $1 { $0 + 1 } else { $0 } })
                progress.withLock {
                    $0.lastProgress = committed
                    $0.waitingForRoom = false
                    $0.commitLatency.observe((committed - previousStart).seconds)
                    $0.storedReadings = ($0.storedReadings ?? 0) + newlyStored
                }
                loop.lock.withLock { locked in
                    locked.state.inbox.removeFirst(batch.count)
                    // What is left arrived after this batch was taken.
                    if !locked.state.inbox.isEmpty { locked.state.oldestArrival = .now }
                    locked.broadcast()  // wakes a network thread waiting for room
                }
                previousBatch = batch.count
                if own.paused || own.heldForStorage {
                    own.paused = false
                    own.heldForStorage = false
                    own.pauseLog.clear()
                    logger.notice("ingest resumed: committing and acknowledging again")
                    board.set(.ingest, .ok, "running", "resumed at log size \(log.treeSize)")
                }
                report(outcomes, &own.rejectionLog)
                acknowledge(items, outcomes, flush: drained)
                onCommitted(log.treeSize)
            }
            // Under steady traffic too, so a revocation takes effect within 10 s.
            try devices.refreshIfStale(now: now)
            checkBroker()
            summariseRejections(&own.rejectionLog, force: done)
            if trail.isDue || done { trail.append(log, self) }
            if done {
                try log.flushState()
                return
            }
        }
    }

    /// Gathers a commit (holding the lock only while not waiting).
    ///
    /// In a burst or backlog (the last batch was large, or many messages
    /// waited through the last commit) as before issue 14: until `maxBatch`
    /// are in, `groupWindow` after the previous commit began, or the stream
    /// paused for a `groupSlice`. Under steady load (docs/storage.md,
    /// "Writes"): until the oldest message has waited `commit_window` or
    /// `maxBatch` are in, sleeping through the window (one wake-up a commit).
    private func collect(_ locked: borrowing LockedCondition<Shared>.Locked, previousBatch: Int, previousStart: ContinuousClock.Instant) {
        guard !locked.state.inbox.isEmpty else { return }
        locked.state.wakeAt = Self.maxBatch
        defer { locked.state.wakeAt = 1 }
        if previousBatch >= Self.maxBatch / 2 || locked.state.inbox.count >= Self.groupingThreshold {
            var seen = locked.state.inbox.count
            while locked.state.inbox.count < Self.maxBatch && !locked.state.stopping {
                let left = ContinuousClock.now.duration(to: previousStart + Self.groupWindow)
                if left <= .zero { return }
                locked.wait(for: min(left, Self.groupSlice))
                if locked.state.inbox.count == seen { return }
                seen = locked.state.inbox.count
            }
            return
        }
        while locked.state.inbox.count < Self.maxBatch && !locked.state.stopping {
            let deadline = locked.state.oldestArrival + .seconds(config.storage.commitWindow)
            if ContinuousClock.now >= deadline { return }
            locked.wait(until: deadline)
        }
    }

    /// The database's use and budget when committing now would pass the
    /// budget (docs/storage.md); nil while there is room.
    private func storageBudgetReached(_ db: Database) throws -> (used: Int64, budget: Int64)? {
        let budget = config.storage.budgetBytes(databasePath: config.home.database)
        let used = try StorageUse.usedBytes(db)
        return used >= budget ? (used, budget) : nil
    }

    /// Backpressure: no commit, so no ack. Says so (log, once and then every
    /// ten minutes; `status` part `ingest` critical), asks the storage service
    /// for a pass, and looks again within a second. It counts as waiting for
    /// room, as on a full disk, so the watchdog does not take it for a hang.
    private func holdForStorage(_ reached: (used: Int64, budget: Int64), _ own: inout ThreadState, db: Database, now: Int64) {
        noteProgress(waitingForRoom: true)
        let why = storage?.facts.withLock { $0.blockedBy }.map { "; \($0) may not be pruned yet" } ?? ""
        let figures = "\(StorageCheck.bytes(reached.used)) of \(StorageCheck.bytes(reached.budget)) used"
        let reason = "storage budget reached (\(figures))\(why)"
        // The figures change each second: the repeat limiter sees the message without them.
        if let line = own.pauseLog.line("ingest paused, nothing is acknowledged: storage budget reached\(why)") {
            logger.error("\(line) (\(figures)); resuming once delivered, anchored readings can be pruned")
        }
        own.heldForStorage = true
        board.set(.ingest, .critical, "paused", reason + "; devices keep their readings and resend them")
        storage?.wake()
        loop.lock.withLock { locked in
            if !locked.state.stopping { locked.wait(for: .seconds(1)) }
        }
    }

    /// Tells each device which of its readings it may forget: only now, after
    /// the commit, since libmosquitto's PUBACK came before the reading was safe.
    /// The ack thread (`IngestAcks`) publishes them while the next batch commits.
    /// `flush`: this batch emptied the inbox, so nothing held for pacing
    /// would gain company by waiting longer.
    private func acknowledge(_ items: [ReadingLog.Item], _ outcomes: [IngestOutcome], flush: Bool) {
        var decided: [AckKey: IngestAcks.Decision] = [:]
        for (item, outcome) in zip(items, outcomes) {
            switch (item.result, outcome) {
            case (.success(let r), .stored):
                decided[AckKey(device: r.device, boot: r.boot), default: .init()].seqs.append(r.seq)
            case (_, .rejected(let r)):
                guard let device = r.device, let seq = r.seq else { continue }  // nothing to name
                let key = AckKey(device: device, boot: r.boot ?? 0)
                decided[key, default: .init()].seqs.append(seq)
                if r.reason != .duplicate { decided[key, default: .init()].rejected.append((seq, r.reason.rawValue)) }
            default:
                continue
            }
        }
        guard let client = loop.lock.withLock({ $0.state.client }) else { return }
        acks.send(decided, via: client, flush: flush)
    }

    /// Logs rejections by device and reason, never a value or payload: the
    /// first of each (device, reason) in a minute in full, the rest in one
    /// summary line when the minute ends (`LogThrottle`).
    private func report(_ outcomes: [IngestOutcome], _ rejectionLog: inout LogThrottle) {
        let now = ContinuousClock.now
        for case .rejected(let r) in outcomes where r.reason != .duplicate {
            if rejectionLog.admit("\(r.device ?? "?") \(r.reason.rawValue)", now: now) {
                logger.notice("rejected message from \(r.device ?? "?"): \(r.reason.rawValue): \(r.detail)")
            }
        }
    }

    private func summariseRejections(_ rejectionLog: inout LogThrottle, force: Bool) {
        guard let summary = rejectionLog.flush(force: force) else { return }
        let window = Int(rejectionLog.window.seconds)
        for (kind, count) in summary.repeated {
            let (device, reason) = kind.firstIndex(of: " ").map { (kind[..<$0], kind[kind.index(after: $0)...]) } ?? (Substring(kind), "")
            logger.notice("rejected \(count) more messages from \(device) (\(reason)) in the last \(window) s")
        }
        if let rest = summary.overflow {
            logger.notice("rejected \(rest.count) more messages of \(rest.kinds) other device and reason pairs in the last \(window) s (see `vitalgate status`)")
        }
    }

    /// Why ingest paused, for a person.
    static func pauseReason(_ error: any Error, full: Bool) -> String {
        if full {
            return "the disk is full: nothing is stored or acknowledged until there is room (devices keep their readings and resend them)"
        }
        if let sqlite = error as? SQLiteError, sqlite.isBusy {
            return "the database is locked by another process (\(sqlite.message)); devices keep their readings until it is free"
        }
        return "\(error)"
    }
}
