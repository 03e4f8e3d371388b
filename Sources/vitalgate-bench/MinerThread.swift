#if canImport(Glibc)
import Threads
import Glibc
#endif

/// Mines a regtest block every `every` seconds on its own thread, so anchors confirm.
final class MinerThread: @unchecked Sendable {
    let ledger: LedgerProcess
    let every: Double
    private let lock = ConditionLock()
    private var running = true
    private var thread: pthread_t?

    init(ledger: LedgerProcess, every: Double) {
        self.ledger = ledger
        self.every = every
    }

    func start() {
        var t = pthread_t()
        pthread_create(&t, nil, { raw in
            let miner = Unmanaged<MinerThread>.fromOpaque(raw!).takeRetainedValue()
            while miner.lock.withLock({ miner.running }) {
                sleepSeconds(miner.every)
                try? miner.ledger.mine()
            }
            return nil
        }, Unmanaged.passRetained(self).toOpaque())
        thread = t
    }

    func stop() {
        lock.withLock { running = false }
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }
}
