import Threads
import Logging
import Merkle
import SQLiteStore

/// Signs a checkpoint of the log every `checkpoint_interval` seconds, or as
/// soon as `checkpoint_every` readings have arrived since the last one, if
/// the log has grown, but then at most once per `minimumSpacing` (a backlog
/// drained at 30,000 readings/s would otherwise sign one per commit). On
/// shutdown it signs a last one, so nothing committed waits for the next
/// start to be covered.
public final class CheckpointService: LoopingPart, @unchecked Sendable {
    let config: AgentConfig
    let identity: GatewayIdentity
    let logger: Logger
    let onSigned: @Sendable () -> Void
    /// Refuses signing once the ledger contradicts the database (docs/audit.md).
    let forkGuard: ForkGuard?
    public let loop = PartLoop(name: "vg-checkpoint")
    // Guarded by `loop.lock`.
    var committedSize: UInt64 = 0
    static let minimumSpacing = 1.0

    public init(config: AgentConfig, identity: GatewayIdentity, logger: Logger, forkGuard: ForkGuard? = nil,
                onSigned: @escaping @Sendable () -> Void) {
        self.forkGuard = forkGuard
        self.config = config
        self.identity = identity
        self.logger = logger
        self.onSigned = onSigned
    }

    /// The ingest service reports each new log size here.
    public func logGrew(to size: UInt64) {
        loop.lock.withLock {
            committedSize = size
            loop.lock.broadcast()
        }
    }

    public func run() {
        var backoff = Backoff(base: 1, cap: 30)
        var db: Database?
        var lastSigned: UInt64 = 0
        var due = Clock.monotonicSeconds() + config.checkpointInterval
        var lastSignedAt = -Double.infinity
        while true {
            let stop = loop.lock.withLock { () -> Bool in
                while !loop.stopping {
                    let now = Clock.monotonicSeconds()
                    if now >= due { break }
                    var wake = due
                    if committedSize >= lastSigned + UInt64(config.checkpointEvery) {
                        if now >= lastSignedAt + Self.minimumSpacing { break }
                        wake = min(wake, lastSignedAt + Self.minimumSpacing)
                    }
                    loop.lock.wait(seconds: wake - now)
                }
                return loop.stopping
            }
            do {
                if db == nil {
                    let opened = try GatewayDatabase.open(config.home)
                    lastSigned = try CheckpointTable(opened).latest()?.treeSize ?? 0
                    db = opened
                }
                lastSigned = try signIfGrown(db!, after: lastSigned)
                lastSignedAt = Clock.monotonicSeconds()
                backoff.reset()
                due = Clock.monotonicSeconds() + config.checkpointInterval
            } catch {
                db = nil
                let delay = backoff.nextDelay()
                logger.error("checkpoint failed: \(error); retrying in \(Int(delay)) s")
                due = Clock.monotonicSeconds() + delay
            }
            if stop { return }
        }
    }

    /// Signs a checkpoint at the current committed size if it is larger than `previous`.
    func signIfGrown(_ db: Database, after previous: UInt64) throws -> UInt64 {
        let nodes = MerkleNodeTable(db)
        let (size, root) = try db.transaction(.deferred) {
            let size = try nodes.treeSize()
            return (size, try MerkleTree.root(size: size, nodes: nodes))
        }
        guard size > previous else { return previous }
        if let refusal = forkGuard?.refusal {
            logger.error("checkpoint not signed: \(refusal)")
            return previous
        }
        let note = identity.signCheckpoint(size: size, root: root.bytes)
        try CheckpointTable(db).insert(StoredCheckpoint(treeSize: size, root: root.bytes, note: note, createdAt: Clock.nowMillis()))
        logger.info("checkpoint signed: tree size \(size), root \(root.hex)")
        onSigned()
        return size
    }
}
