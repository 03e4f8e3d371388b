import FileIO
import Logging
import SQLiteStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Makes the agent watchable from outside (docs/operations.md), on its own
/// thread, once a second:
///
/// - the live status file (`LiveStatus`, its heartbeat every 5 s and at
///   each change), which `status` reads while the agent runs;
/// - each part's state into `agent_state` when its situation changes (not
///   its details), so `status` can say what the agent last saw after it
///   stopped, at a handful of commits per outage;
/// - systemd: `READY=1` once ingest has started, `STATUS=` when the summary
///   changes, `WATCHDOG=1` only while ingest makes progress or has nothing to
///   do (a hung ingest thread gets the agent restarted), `STOPPING=1`;
/// - the metrics file for node_exporter, when `metrics_textfile_dir` is set;
/// - the clock and storage checks.
public final class OperationsService: LoopingPart, Sendable {
    let config: AgentConfig
    let board: StatusBoard
    let ingest: IngestService
    let anchorer: AnchorService
    /// Retention and the budget (docs/storage.md): its last pass shapes the `storage` part.
    let storage: StorageService?
    let notifier: SystemdNotifier
    let logger: Logger
    public let loop = PartLoop(name: "vg-ops")
    let startedAt: Int64
    /// Set when graceful shutdown begins (the first service is told to stop).
    let shuttingDown = Atomic<Bool>(false)

    static let tick = Duration.seconds(1)
    static let heartbeatInterval = Duration.seconds(5)

    public init(config: AgentConfig, board: StatusBoard, ingest: IngestService, anchorer: AnchorService, storage: StorageService? = nil,
                notifier: SystemdNotifier, logger: Logger, startedAt: Int64) {
        self.storage = storage
        self.config = config
        self.board = board
        self.ingest = ingest
        self.anchorer = anchorer
        self.notifier = notifier
        self.logger = logger
        self.startedAt = startedAt
    }

    /// How long ingest may go without progress, with readings waiting, before
    /// it counts as hung and the watchdog stops: above its 10 s idle wake-up,
    /// at most half of `WatchdogSec`, so systemd acts within one interval more.
    var stallLimit: Duration { max(.seconds(15), min(.seconds(30), (notifier.watchdogInterval ?? .seconds(60)) / 2)) }

    /// The agent begins to stop: systemd hears it at once (the parts stop
    /// one after the other, this thread last).
    public func shutdownBegins() {
        guard !shuttingDown.exchange(true, ordering: .relaxed) else { return }
        notifier.notify("STOPPING=1\nSTATUS=stopping: committing what is held, signing a last checkpoint")
    }

    public func run() {
        var state = TickState()
        var db = openDatabase()
        // At once, so that `status` sees this run, not the last one's file.
        tick(&state, db, agent: PartState(.ok, "running", "pid \(getpid()), version \(VitalgateVersion.current)", since: startedAt))
        while true {
            let stop = loop.lock.withLock { locked -> Bool in
                if !locked.state.stopping { locked.wait(for: tickInterval) }
                return locked.state.stopping
            }
            if stop { break }
            if db == nil { db = openDatabase() }
            tick(&state, db)
        }
        // Stopped cleanly: the last states, and the record that this was a clean stop.
        tick(&state, db, final: true, agent: PartState(.critical, "stopped",
             "clean stop after \(WallClock.duration((WallClock.nowMillis() - startedAt) / 1000)) of running", since: WallClock.nowMillis()))
    }

    /// Ticks come faster when the watchdog interval is short (tests): a ping every quarter of it.
    var tickInterval: Duration { min(Self.tick, (notifier.watchdogInterval ?? .seconds(4)) / 4) }

    struct TickState {
        var ready = false
        /// When each was last done; nil: not yet (due at once).
        var lastWatchdog: ContinuousClock.Instant?
        var lastHeartbeat: ContinuousClock.Instant?
        var lastChecks: ContinuousClock.Instant?
        var lastMetrics: ContinuousClock.Instant?
        var lastStatusLine = ""
        var seenChanges = -1
        /// What `agent_state` holds, to write only changes.
        var recorded: [AgentPart: PartState] = [:]
        var recordedAt: [AgentPart: ContinuousClock.Instant] = [:]
        var recordedTip: Int64 = -1
        var storage: StorageCheck?
        var clock: ClockCheck?
        var healthy = true
        var metricsFailed = RepeatLimiter()
    }

    /// Whether `every` has passed since `last` (or it was never done).
    static func due(_ last: ContinuousClock.Instant?, every: Duration, now: ContinuousClock.Instant) -> Bool {
        last.map { now - $0 >= every } ?? true
    }

    /// - Parameter agent: the `agent` row to record with this tick's states (at the start and the clean stop).
    private func tick(_ s: inout TickState, _ db: Database?, final: Bool = false, agent: PartState? = nil) {
        let mono = ContinuousClock.now
        let now = WallClock.nowMillis()

        // Ingest: progress or idle is healthy; anything else past the limit is a hang.
        let idle = ingest.timeWithoutProgress(now: mono)
        let healthy = final || idle < stallLimit
        if !healthy && s.healthy {
            logger.error("ingest: no progress for \(Int(idle.seconds)) s with work waiting; systemd's watchdog is no longer fed")
        } else if healthy && !s.healthy {
            logger.notice("ingest: progressing again; feeding systemd's watchdog again")
        }
        // A pause already says why ingest waits; a thread stuck without a word is "stalled".
        let ingestState = board.state(.ingest)
        if !healthy && ingestState?.state == "running" {
            board.set(.ingest, .critical, "stalled", "no progress for \(Int(idle.seconds)) s with work waiting; the watchdog is not fed")
        } else if healthy && ingestState?.state == "stalled" {
            board.set(.ingest, .ok, "running", "progressing again")
        }
        s.healthy = healthy

        if !s.ready, let state = board.state(.ingest)?.state, state != "starting" {
            s.ready = true
            notifier.notify("READY=1")
        }
        if healthy, !final, let interval = notifier.watchdogInterval, Self.due(s.lastWatchdog, every: interval / 4, now: mono) {
            notifier.notify("WATCHDOG=1")
            s.lastWatchdog = mono
        }

        // The clock and storage checks on their own timer: a busy board rewrites the
        // live file often, which must not put them off.
        if final || Self.due(s.lastChecks, every: Self.heartbeatInterval, now: mono) {
            s.lastChecks = mono
            let clock = ClockCheck.read()
            s.clock = clock
            let since = board.state(.clock)?.since ?? now
            let c = clock.state(required: config.clockSyncRequired, since: since)
            board.set(.clock, c.health, c.state, c.detail)
            let storage = StorageCheck.read(config.home, budgetBytes: config.storage.budgetBytes(databasePath: config.home.database),
                                            service: self.storage?.facts.withLock { $0 })
            s.storage = storage
            let st = storage.state(since: now)
            board.set(.storage, st.health, st.state, st.detail)
        }

        let changes = board.changeCount
        let parts = board.snapshot()
        let beat = final || Self.due(s.lastHeartbeat, every: Self.heartbeatInterval, now: mono)
        if beat || changes != s.seenChanges || agent != nil {
            s.seenChanges = changes
            s.lastHeartbeat = mono
            let tip = anchorer.tipHeight.load(ordering: .relaxed)
            let live = LiveStatus(pid: getpid(), version: VitalgateVersion.current, gatewayID: config.gatewayID, startedAt: startedAt,
                                  heartbeatAt: now, ingestHealthy: healthy, parts: parts, ledgerTipHeight: tip >= 0 ? tip : nil)
            do { try live.write(config.home) } catch {
                if let line = s.metricsFailed.line("cannot write the live status file: \(error)", now: mono) { logger.warning("\(line)") }
            }
            let line = Self.statusLine(parts)
            if line != s.lastStatusLine && !shuttingDown.load(ordering: .relaxed) {
                notifier.notify("STATUS=" + line)
                s.lastStatusLine = line
            }
            record(parts, tip: tip, &s, db, mono: mono, agent: agent)
        }

        if let dir = config.metricsTextfileDir, final || Self.due(s.lastMetrics, every: .seconds(config.metricsInterval), now: mono), let db, let storage = s.storage {
            s.lastMetrics = mono
            writeMetrics(dir: dir, db, parts: parts, storage: storage, clock: s.clock, up: !final, healthy: healthy, now: now, &s)
        }
    }

    /// Writes each part whose situation changed since it was last recorded
    /// (a changed detail only every ten minutes), and the ledger tip when it moved.
    /// All in one transaction: one fsync however many parts changed in the
    /// tick (a start changes them all), so ingest's commits hardly wait for it.
    private func record(_ parts: [AgentPart: PartState], tip: Int64, _ s: inout TickState, _ db: Database?, mono: ContinuousClock.Instant,
                        agent: PartState? = nil) {
        guard let db else { return }
        let changed = parts.filter { part, state in
            guard let old = s.recorded[part], old.sameSituation(state), old.since == state.since else { return true }
            return old.detail != state.detail && Self.due(s.recordedAt[part], every: .seconds(600), now: mono)
        }
        let tipChanged = tip >= 0 && tip != s.recordedTip
        guard !changed.isEmpty || tipChanged || agent != nil else { return }
        do {
            try db.transaction(.immediate) {
                if let agent { try db.setAgentState("agent", agent.storedValue, at: agent.since) }
                for (part, state) in changed { try db.setAgentState(part.rawValue, state.storedValue, at: state.since) }
                if tipChanged { try db.setAgentState("ledger_tip", String(tip), at: WallClock.nowMillis()) }
            }
        } catch {
            if agent != nil { logger.warning("cannot record the agent's state in the database: \(error)") }
            return  // locked or full: the next tick tries again
        }
        for (part, state) in changed {
            s.recorded[part] = state
            s.recordedAt[part] = mono
        }
        if tipChanged { s.recordedTip = tip }
    }


    private func writeMetrics(dir: String, _ db: Database, parts: [AgentPart: PartState], storage: StorageCheck, clock: ClockCheck?,
                              up: Bool, healthy: Bool, now: Int64, _ s: inout TickState) {
        do {
            let facts = try GatewayFacts(db, clinic: config.clinic != nil)
            let live = MetricsFile.Live(
                version: VitalgateVersion.current, gatewayID: config.gatewayID, up: up, startedAt: startedAt, heartbeatAt: now,
                parts: parts, ingestHealthy: healthy, storedReadings: ingest.storedReadings, commitLatency: ingest.commitLatency,
                storage: storage, clockSynchronised: clock?.synchronised ?? false, anchorInterval: config.anchorInterval)
            try Files.replaceUnsynced(Array(MetricsFile.render(live, facts).utf8), at: dir + "/" + MetricsFile.fileName, mode: 0o644)
            s.metricsFailed.clear()
        } catch {
            if let line = s.metricsFailed.line("cannot write metrics to \(dir): \(error)") {
                logger.warning("\(line)")
            }
        }
    }

    /// One connection for the records and the metrics; it waits at most
    /// 200 ms for a lock, so a busy database never stalls the watchdog.
    private func openDatabase() -> Database? {
        guard let db = try? GatewayDatabase.open(config.home) else { return nil }
        try? db.execute("PRAGMA busy_timeout = 200")
        // Its queries touch a few pages: a small cache keeps the agent's memory where it was.
        try? db.execute("PRAGMA cache_size = -128")
        return db
    }

    /// Every part's state as the agent starts: nothing is known yet, and
    /// nothing from an earlier run is carried over.
    public static func initialStates(_ config: AgentConfig, at now: Int64) -> [AgentPart: PartState] {
        [
            .ingest: PartState(.warning, "starting", since: now),
            .broker: PartState(.warning, "connecting", "to \(config.mqttHost):\(config.mqttPort)", since: now),
            .ledger: PartState(.warning, "connecting", "to \(config.ledgerEndpoints[0].url)", since: now),
            .anchoring: PartState(.ok, "waiting", "first anchor due within \(WallClock.duration(Int64(min(config.anchorInterval, config.checkpointInterval))))", since: now),
            .delivery: config.clinic.map { PartState(.ok, "starting", "to \($0.url)", since: now) } ?? PartState(.ok, "off", "no clinic_url set", since: now),
            .storage: PartState(.ok, "checking", since: now),
            .clock: PartState(.ok, "checking", since: now),
        ]
    }

    /// `STATUS=` for systemctl status: the worst health, then each part
    /// that is not ok with its reason, or that all is well.
    static func statusLine(_ parts: [AgentPart: PartState]) -> String {
        let worst = parts.values.map(\.health).max() ?? .ok
        let troubled = AgentPart.allCases.compactMap { part in parts[part].flatMap { $0.health == .ok ? nil : "\(part.rawValue) \($0.summary)" } }
        if troubled.isEmpty {
            let ok = [AgentPart.ingest, .broker, .ledger].compactMap { part in parts[part].map { "\(part.rawValue) \($0.state)" } }
            return "OK: " + ok.joined(separator: ", ")
        }
        return "\(worst.word): " + troubled.joined(separator: "; ")
    }
}
