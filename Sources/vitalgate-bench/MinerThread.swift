import Threads

/// Mines a regtest block every `every` seconds on its own thread, so anchors confirm.
final class MinerThread: Sendable {
    let ledger: LedgerProcess
    let every: Double
    private let running = LockedBox(true)
    private let thread = WorkerThread(name: "bench-miner")

    init(ledger: LedgerProcess, every: Double) {
        self.ledger = ledger
        self.every = every
    }

    func start() {
        thread.start { [self] in
            while running.withLock({ $0 }) {
                ThreadSleep.for(.seconds(every))
                try? ledger.mine()
            }
        }
    }

    func stop() {
        running.withLock { $0 = false }
        thread.join()
    }
}
