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
public final class CheckpointService: LoopingPart, Sendable {
    let config: AgentConfig
    let identity: GatewayIdentity
    let logger: Logger
    let onSigned: @Sendable () -> Void
    /// Refuses signing once the ledger contradicts the database (docs/audit.md).
    let forkGuard: ForkGuard?
    public let loop = PartLoop(name: "vg-checkpoint", Shared())
    /// What ingest tells the checkpoint thread.
    public struct Shared: LoopShared {
        public var stopping = false
        /// The log size after ingest's last commit.
        var committedSize: UInt64 = 0
    }
    static let minimumSpacing = Duration.seconds(1)

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
        loop.wake { $0.committedSize = size }
    }

    public func run() {
        let interval = Duration.seconds(config.checkpointInterval)
        var backoff = Backoff(base: .seconds(1), cap: .seconds(30))
        var db: Database?
        var lastSigned: UInt64 = 0
        var due = ContinuousClock.now + interval
        /// When the next early checkpoint may be signed; nil: at once.
        var spacedUntil: ContinuousClock.Instant?
        while true {
            let stop = loop.lock.withLock { locked -> Bool in
                while !locked.state.stopping {
                    let now = ContinuousClock.now
                    if now >= due { break }
                    var wake = due
                    if locked.state.committedSize >= lastSigned + UInt64(config.checkpointEvery) {
                        guard let spacedUntil, now < spacedUntil else { break }
                        wake = min(wake, spacedUntil)
                    }
                    locked.wait(until: wake)
                }
                return locked.state.stopping
            }
            do {
                if db == nil {
                    let opened = try GatewayDatabase.open(config.home)
                    lastSigned = try CheckpointTable(opened).latest()?.treeSize ?? 0
                    db = opened
                }
                lastSigned = try signIfGrown(db!, after: lastSigned)
                spacedUntil = .now + Self.minimumSpacing
                backoff.reset()
                due = .now + interval
            } catch {
                db = nil
                let delay = backoff.nextDelay()
                logger.error("checkpoint failed: \(error); retrying in \(Int(delay.seconds)) s")
                due = .now + delay
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
        try CheckpointTable(db).insert(StoredCheckpoint(treeSize: size, root: root.bytes, note: note, createdAt: WallClock.nowMillis()))
        logger.info("checkpoint signed: tree size \(size), root \(root.hex)")
        onSigned()
        return size
    }
}
