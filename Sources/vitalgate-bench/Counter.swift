import Threads

/// A counter one thread increments (libmosquitto's, on PUBACK) and another
/// waits on, without polling.
final class Counter: Sendable {
    private let count = LockedCondition(0)

    var value: Int { count.withLock { $0.state } }

    func increment() {
        count.withLock {
            $0.state += 1
            $0.broadcast()
        }
    }

    /// Blocks until the count reaches `target` or `timeout` seconds pass; true if reached.
    func wait(atLeast target: Int, timeout: Double) -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        return count.withLock { locked in
            while locked.state < target {
                if !locked.wait(until: deadline) { return locked.state >= target }
            }
            return true
        }
    }
}
