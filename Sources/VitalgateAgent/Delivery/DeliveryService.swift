import Threads
import CurlHTTP
import Logging
import SQLiteStore

/// Delivers stored readings to the clinic's FHIR server (docs/fhir.md):
/// batches in log order, one at a time, each resent until the clinic commits
/// or refuses it, with capped exponential backoff and jitter between tries.
/// Woken by each new checkpoint; otherwise it sleeps.
public final class DeliveryService: LoopingPart, Sendable {
    let config: AgentConfig
    let clinic: ClinicSettings
    let identity: GatewayIdentity
    let logger: Logger
    public let loop = PartLoop(name: "vg-delivery", Shared())
    let board: StatusBoard
    let cancellation = HTTPCancellation()
    /// What the checkpoint thread tells the delivery thread.
    public struct Shared: LoopShared {
        public var stopping = false
        /// Checkpoints signed so far.
        var signals = 0
    }

    // Table-like data (duplicates): a class's memberwise init (Swift writes none for classes): one assignment a property, no logic.
    public init(config: AgentConfig, clinic: ClinicSettings, identity: GatewayIdentity, logger: Logger, board: StatusBoard) {
        self.config = config
        self.board = board
        self.clinic = clinic
        self.identity = identity
        self.logger = logger
    }

    /// The checkpoint service calls this after each checkpoint: more readings may now be covered.
    public func checkpointSigned() {
        loop.wake { $0.signals += 1 }
    }

    /// Aborts a request in flight (the batch stays pending; resending it later creates nothing twice).
    public func willStop() { cancellation.cancel() }

    public func run() {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(clinic.retryCap))
        var sender: ClinicSender?
        var seen = 0
        // When to try next: now at start; after a failure, when the backoff
        // ends (new checkpoints don't cut it short); nil: at the next checkpoint.
        var due: ContinuousClock.Instant? = .now
        var backingOff = false
        while true {
            let stop = loop.lock.withLock { locked -> Bool in
                while !locked.state.stopping {
                    if !backingOff && locked.state.signals != seen { break }
                    guard let due else { locked.wait(); continue }
                    if ContinuousClock.now >= due { break }
                    locked.wait(until: due)
                }
                seen = locked.state.signals
                return locked.state.stopping
            }
            if stop { return }
            do {
                if sender == nil { sender = try ClinicSender(config: config, clinic: clinic, identity: identity, cancellation: cancellation) }
                switch try sender!.deliverAll(logger: logger, shouldStop: { loop.stopping }) {
                case .upToDate(let delivered, let refused):
                    backoff.reset()
                    backingOff = false
                    due = nil
                    if let refused {
                        board.set(.delivery, .warning, "refused", refused)
                    } else if delivered > 0 || board.state(.delivery)?.health != .warning {
                        board.set(.delivery, .ok, "up to date", "to \(clinic.url)")
                    }
                case .retryLater(let why):
                    let delay = backoff.nextDelay()
                    if why == "stopping" { continue }
                    logger.warning("clinic delivery paused; retrying in \(Int(delay.seconds.rounded(.up))) s")
                    board.set(.delivery, .warning, "retrying", why)
                    backingOff = true
                    due = .now + delay
                }
            } catch {
                sender = nil
                let delay = backoff.nextDelay()
                logger.error("delivery failed: \(error); retrying in \(Int(delay.seconds.rounded(.up))) s")
                board.set(.delivery, .warning, "failing", "\(error)")
                backingOff = true
                due = .now + delay
            }
        }
    }
}
