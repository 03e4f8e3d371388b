import Threads
import Bitcoin
import Logging
import LedgerRPC
import SQLiteStore
import Synchronization

/// Anchors the newest signed checkpoint on each ledger target every
/// `anchor_interval` seconds (one transaction per interval, whatever the
/// reading volume), and follows each anchor to the required depth
/// (docs/anchoring.md). A ledger outage only delays this: checkpoints wait
/// in SQLite, and on return the newest one is anchored (it covers all
/// before it), not one per missed interval.
public final class AnchorService: LoopingPart, Sendable {
    let config: AgentConfig
    let identity: GatewayIdentity
    let logger: Logger
    public let loop = PartLoop(name: "vg-anchor")
    /// How the ledger target pays for anchors.
    let fees: FeePolicy
    let board: StatusBoard
    /// The ledger's best block height as last seen (-1: not yet), for live confirmation counts.
    public let tipHeight = Atomic<Int64>(-1)
    /// Nothing is anchored until it is clear (docs/audit.md).
    let forkGuard: ForkGuard?

    /// The pause before trying the next endpoint after one failed, and the loop's shortest.
    static let switchPause = Duration.milliseconds(50)

    /// How often anchors in flight are checked (bounded by the anchor interval).
    var pollInterval: Duration { min(.seconds(config.anchorInterval), .seconds(5)) }

    public init(config: AgentConfig, identity: GatewayIdentity, logger: Logger, board: StatusBoard, forkGuard: ForkGuard? = nil) {
        self.forkGuard = forkGuard
        self.config = config
        self.board = board
        self.identity = identity
        self.logger = logger
        let fees = FeePolicy(configured: config.feeRate.map { FeeRate(coinsPerKvB: $0) },
                             floor: FeeRate(coinsPerKvB: config.feeRateMin), cap: FeeRate(coinsPerKvB: config.feeRateMax))
        self.fees = fees
    }

    /// The ledgers to anchor on. Made on the anchor thread, which alone uses them.
    func makeTargets() -> [any AnchorTarget] {
        [BitcoinAnchorTarget(endpoints: config.ledgerEndpoints, fees: fees, logger: logger)]
    }

    public func run() {
        // One backoff for the whole list of endpoints: it grows only once every
        // endpoint has failed in a row and is reset only by a success, so with
        // every node down the agent goes round the list once per delay (capped
        // at 10 s, docs/anchoring.md), not once per endpoint.
        var backoff = Backoff(base: .seconds(1), cap: .seconds(10))
        let interval = Duration.seconds(config.anchorInterval)
        var db: Database?
        var nextAnchor = ContinuousClock.now + min(interval, .seconds(config.checkpointInterval))
        var wait = Duration.zero
        /// Endpoints that failed in a row since the last success, and how.
        var failures: [(url: String, error: String)] = []
        var ledgerLog = RepeatLimiter()
        var anchoringLog = RepeatLimiter()
        /// A fork refusal is said once, then every ten minutes.
        var refusalLog = RepeatLimiter()
        let targets = makeTargets()
        while true {
            let stop = loop.lock.withLock { locked -> Bool in
                if !locked.state.stopping && wait > .zero { locked.wait(for: wait) }
                return locked.state.stopping
            }
            if stop { return }
            let now = ContinuousClock.now
            do {
                if db == nil { db = try GatewayDatabase.open(config.home) }
                for target in targets { try target.follow(db: db!, requiredDepth: config.confirmations) }
                reportReachable(targets, afterFailures: failures, &ledgerLog)
                failures = []
                if now >= nextAnchor, try guardAllowsAnchoring(db!, refusalLog: &refusalLog) {
                    for target in targets { try anchorNewest(target, db!) }
                    nextAnchor = .now + interval
                    if anchoringLog.isActive { logger.notice("anchoring: working again") }
                    anchoringLog.clear()
                    board.set(.anchoring, .ok, "ok", "anchoring the newest checkpoint every \(WallClock.duration(Int64(config.anchorInterval)))")
                }
                backoff.reset()
                wait = untilNext(nextAnchor)
            } catch let error as LedgerError {
                for target in targets {
                    let failure = target.noteFailure(error)
                    let url = failure.endpoint
                    failures.append((url, "\(error)"))
                    // Another endpoint is tried at once, until each has failed in a row.
                    if failure.switched && failures.count < failure.endpointCount {
                        if failures.count == 1 && !ledgerLog.isActive { logger.notice("ledger \(url) failed (\(error)); switching to \(target.reachability)") }
                        wait = Self.switchPause
                        continue
                    }
                    wait = backoff.nextDelay()
                    let what: String
                    if failure.endpointCount > 1 && failure.endpointDown {
                        what = "all \(failure.endpointCount) ledger nodes unreachable (" + failures.map { "\($0.url): \($0.error)" }.joined(separator: "; ") + ")"
                    } else {
                        what = "\(url): \(error)"
                    }
                    failures = []
                    if let line = ledgerLog.line(what, now: now) { logger.warning("ledger: \(line); next try in \(Int(wait.seconds.rounded(.up))) s") }
                    board.set(.ledger, .warning, failure.endpointDown ? "unreachable" : "error", what)
                }
            } catch let funds as AnchorFundsError {
                // The ledger answers, but the wallet cannot pay: following anchors goes
                // on; making coins is tried again in a minute (or at the interval).
                reportReachable(targets, afterFailures: failures, &ledgerLog)
                failures = []
                backoff.reset()
                nextAnchor = .now + min(interval, .seconds(60))
                wait = untilNext(nextAnchor)
                if let line = anchoringLog.line("anchoring blocked: \(funds)", now: now) { logger.error("\(line)") }
                board.set(.anchoring, .warning, "blocked", funds.plainWords)
            } catch {
                wait = backoff.nextDelay()
                if let line = anchoringLog.line("anchoring: \(error)", now: now) { logger.error("\(line); next try in \(Int(wait.seconds.rounded(.up))) s") }
                board.set(.anchoring, .warning, "error", "\(error)")
                db = nil
            }
        }
    }

    /// The pause before the loop's next round: until `nextAnchor`, at least
    /// `switchPause` and at most `pollInterval` (anchors in flight are followed meanwhile).
    private func untilNext(_ nextAnchor: ContinuousClock.Instant) -> Duration {
        min(pollInterval, max(Self.switchPause, ContinuousClock.now.duration(to: nextAnchor)))
    }

    /// Every target answered: says so (in the log only after an outage).
    private func reportReachable(_ targets: [any AnchorTarget], afterFailures failures: [(url: String, error: String)], _ ledgerLog: inout RepeatLimiter) {
        for target in targets {
            if ledgerLog.isActive { logger.notice("ledger \(target.reachability): reachable again") }
            board.set(.ledger, .ok, "reachable", target.reachability)
            tipHeight.store(target.tipHeight ?? -1, ordering: .relaxed)
        }
        ledgerLog.clear()
    }

    /// Whether anchoring may go on: the start-up check of the ledger against
    /// the database (ForkGuard) passed, or passes now. Throws `LedgerError`
    /// while no node answers (the loop backs off and tries again).
    func guardAllowsAnchoring(_ db: Database, refusalLog: inout RepeatLimiter) throws -> Bool {
        guard let forkGuard, !forkGuard.isClear else { return true }
        if let refusal = forkGuard.refusal {
            if let line = refusalLog.line("not anchoring: \(refusal)") { logger.error("\(line)") }
            board.set(.anchoring, .critical, "refused", refusal)
            return false
        }
        if let refusal = try forkGuard.checkLedger(db, endpoints: config.ledgerEndpoints, currentKey: identity.publicKey.bytes, home: config.home,
                                                   archive: config.storage.archiveDirectory.map { TileArchive(directory: $0) }) {
            logger.critical("\(refusal)")
            board.set(.anchoring, .critical, "refused", refusal)
            return false
        }
        logger.info("the ledger holds no anchor of this gateway's keys that contradicts its database; anchoring")
        return true
    }

    /// Anchors the newest checkpoint on `target` if it is larger than every
    /// anchor of that target that is not abandoned (so nothing is anchored twice).
    func anchorNewest(_ target: any AnchorTarget, _ db: Database) throws {
        guard let checkpoint = try CheckpointTable(db).latest(),
              checkpoint.treeSize > (try AnchorTable(db).largestAnchoredSize(target: target.name)) else { return }
        let payload = AnchorPayload(treeSize: checkpoint.treeSize, rootHash: checkpoint.root,
                                    gatewayPublicKey: identity.publicKey.bytes).bytes
        if case .deferred(let why) = try target.anchor(treeSize: checkpoint.treeSize, payload: payload, db: db) {
            logger.notice("anchoring tree size \(checkpoint.treeSize) deferred: \(why)")
        }
    }
}
