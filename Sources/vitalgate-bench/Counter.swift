import Threads

/// A counter one thread increments (libmosquitto's, on PUBACK) and another
/// waits on, without polling.
final class Counter: @unchecked Sendable {
    private let lock = ConditionLock()
    private var count = 0  // guarded by `lock`

    var value: Int { lock.withLock { count } }

    func increment() {
        lock.withLock {
            count += 1
            lock.broadcast()
        }
    }

    /// Blocks until the count reaches `target` or `timeout` seconds pass; true if reached.
    func wait(atLeast target: Int, timeout: Double) -> Bool {
        lock.wait(timeout: timeout) { count >= target }
    }
}
