import Threads
import Bitcoin
import Logging
import LedgerRPC
import SHA2
import SQLiteStore

/// Anchors the newest signed checkpoint on the ledger every `anchor_interval`
/// seconds (one transaction per interval, whatever the reading volume), then
/// follows each anchor to the required depth and keeps its raw transaction
/// and txout proof. A ledger outage only delays this: checkpoints wait in
/// SQLite, and on return the newest one is anchored (it covers all before it).
public final class AnchorService: ThreadedPart, @unchecked Sendable {
    let config: AgentConfig
    let identity: GatewayIdentity
    let logger: Logger
    let lock = ConditionLock()
    let thread = WorkerThread(name: "vg-anchor")
    var stopping = false                 // guarded by `lock`
    var endpointIndex = 0                // ingest-thread free: anchor thread only
    var walletReady = Set<Int>()

    /// How often anchors in flight are checked for depth (bounded by the anchor interval).
    var pollInterval: Double { min(config.anchorInterval, 5) }

    public init(config: AgentConfig, identity: GatewayIdentity, logger: Logger) {
        self.config = config
        self.identity = identity
        self.logger = logger
    }

    public func start() { thread.start { [self] in run() } }

    public func stopAndJoin() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        thread.join()
    }

    /// A new checkpoint exists; nothing to do until the interval is due.
    public func checkpointSigned() {}

    func run() {
        var backoff = Backoff(base: 1, cap: 60)
        var db: Database?
        var nextAnchor = Clock.monotonicSeconds() + min(config.anchorInterval, config.checkpointInterval)
        var wait = 0.0
        while true {
            let stop = lock.withLock { () -> Bool in
                if !stopping && wait > 0 { lock.wait(seconds: wait) }
                return stopping
            }
            if stop { return }
            do {
                if db == nil { db = try GatewayDatabase.open(config.home) }
                let rpc = try ready()
                try follow(db!, rpc: rpc)
                if Clock.monotonicSeconds() >= nextAnchor {
                    try anchorNewest(db!, rpc: rpc)
                    nextAnchor = Clock.monotonicSeconds() + config.anchorInterval
                }
                try? db!.setAgentState("ledger", "reachable \(config.ledgerEndpoints[endpointIndex].url)", at: Clock.nowMillis())
                backoff.reset()
                wait = min(pollInterval, max(0.05, nextAnchor - Clock.monotonicSeconds()))
            } catch let error as LedgerError {
                wait = backoff.nextDelay()
                let url = config.ledgerEndpoints[endpointIndex].url
                logger.warning("ledger \(url): \(error); next try in \(Int(wait)) s")
                try? db?.setAgentState("ledger", "unreachable \(url): \(error)", at: Clock.nowMillis())
                failover(after: error)
            } catch {
                wait = backoff.nextDelay()
                logger.error("anchoring: \(error); next try in \(Int(wait)) s")
                db = nil
            }
        }
    }

    /// The client for the current endpoint, with its wallet loaded.
    func ready() throws -> BitcoinRPC {
        let endpoint = config.ledgerEndpoints[endpointIndex]
        let rpc = BitcoinRPC(endpoint: endpoint)
        if !walletReady.contains(endpointIndex), let wallet = endpoint.wallet {
            try rpc.ensureWallet(wallet)
            walletReady.insert(endpointIndex)
            logger.info("ledger \(endpoint.url): wallet \(wallet) loaded")
        }
        return rpc
    }

    /// Moves to the next endpoint when this one is down; forgets the wallet
    /// state when the node may have restarted (wallets are not reloaded unless named).
    func failover(after error: LedgerError) {
        walletReady.remove(endpointIndex)
        if case .unreachable = error, config.ledgerEndpoints.count > 1 {
            endpointIndex = (endpointIndex + 1) % config.ledgerEndpoints.count
            logger.notice("ledger: switching to \(config.ledgerEndpoints[endpointIndex].url)")
        }
    }

    var currentURL: String { config.ledgerEndpoints[endpointIndex].url }
}
