import Threads
import Bitcoin
import Logging
import LedgerRPC
import SQLiteStore

/// Anchors the newest signed checkpoint on each ledger target every
/// `anchor_interval` seconds (one transaction per interval, whatever the
/// reading volume), and follows each anchor to the required depth
/// (docs/anchoring.md). A ledger outage only delays this: checkpoints wait
/// in SQLite, and on return the newest one is anchored (it covers all
/// before it), not one per missed interval.
public final class AnchorService: LoopingPart, @unchecked Sendable {
    let config: AgentConfig
    let identity: GatewayIdentity
    let logger: Logger
    public let loop = PartLoop(name: "vg-anchor")
    /// Used by the anchor thread only.
    let targets: [any AnchorTarget]
    /// Nothing is anchored until it is clear (docs/audit.md).
    let forkGuard: ForkGuard?

    /// How often anchors in flight are checked (bounded by the anchor interval).
    var pollInterval: Double { min(config.anchorInterval, 5) }

    public init(config: AgentConfig, identity: GatewayIdentity, logger: Logger, forkGuard: ForkGuard? = nil) {
        self.forkGuard = forkGuard
        self.config = config
        self.identity = identity
        self.logger = logger
        let fees = FeePolicy(configured: config.feeRate.map { FeeRate(coinsPerKvB: $0) },
                             floor: FeeRate(coinsPerKvB: config.feeRateMin), cap: FeeRate(coinsPerKvB: config.feeRateMax))
        targets = [BitcoinAnchorTarget(endpoints: config.ledgerEndpoints, fees: fees, logger: logger)]
    }

    /// A new checkpoint exists; nothing to do until the interval is due.

    public func run() {
        var backoff = Backoff(base: 1, cap: 10)
        var db: Database?
        var nextAnchor = Clock.monotonicSeconds() + min(config.anchorInterval, config.checkpointInterval)
        var wait = 0.0
        var recorded: [String: (state: String, at: Double)] = [:]
        /// Records a target's state for `status`: each is a durable commit, so only
        /// when it changes, or once a minute to keep its time current.
        func record(_ name: String, _ state: String) {
            let now = Clock.monotonicSeconds()
            if let last = recorded[name], last.state == state, now - last.at < 60 { return }
            if (try? db?.setAgentState(name, state, at: Clock.nowMillis())) != nil { recorded[name] = (state, now) }
        }
        while true {
            let stop = loop.lock.withLock { () -> Bool in
                if !loop.stopping && wait > 0 { loop.lock.wait(seconds: wait) }
                return loop.stopping
            }
            if stop { return }
            do {
                if db == nil { db = try GatewayDatabase.open(config.home) }
                for target in targets { try target.follow(db: db!, requiredDepth: config.confirmations) }
                if Clock.monotonicSeconds() >= nextAnchor, try guardAllowsAnchoring(db!) {
                    for target in targets { try anchorNewest(target, db!) }
                    nextAnchor = Clock.monotonicSeconds() + config.anchorInterval
                }
                for target in targets { record(target.name, forkGuard?.refusal.map { "refused: \($0)" } ?? "reachable \(target.reachability)") }
                backoff.reset()
                wait = min(pollInterval, max(0.05, nextAnchor - Clock.monotonicSeconds()))
            } catch let error as LedgerError {
                wait = backoff.nextDelay()
                for case let target as BitcoinAnchorTarget in targets {
                    let url = target.url
                    logger.warning("ledger \(url): \(error)")
                    let state = BitcoinAnchorTarget.endpointIsDown(error) ? "unreachable" : "error"
                    record(target.name, "\(state) \(url): \(error)")
                    // Another endpoint is tried at once; the same one after the backoff.
                    if target.noteFailure(error) { wait = 0.05; backoff.reset() }
                }
            } catch {
                wait = backoff.nextDelay()
                logger.error("anchoring: \(error); next try in \(Int(wait)) s")
                db = nil
            }
        }
    }

    /// Whether anchoring may go on: the start-up check of the ledger against
    /// the database (ForkGuard) passed, or passes now. Throws `LedgerError`
    /// while no node answers (the loop backs off and tries again).
    func guardAllowsAnchoring(_ db: Database) throws -> Bool {
        guard let forkGuard, !forkGuard.isClear else { return true }
        if let refusal = forkGuard.refusal {
            logger.error("not anchoring: \(refusal)")
            return false
        }
        if let refusal = try forkGuard.checkLedger(db, endpoints: config.ledgerEndpoints, currentKey: identity.publicKey.bytes, home: config.home) {
            logger.critical("\(refusal)")
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
