import Glibc

/// A pthread mutex with a condition variable on the monotonic clock, so a
/// thread can sleep until state changes instead of polling.
final class ConditionLock: @unchecked Sendable {
    // Heap-allocated: pthread objects must not move, and Swift may move
    // stored properties.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Timeouts then survive wall-clock jumps (NTP on a gateway that booted without RTC).
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every waiter; call inside `withLock` after changing the state.
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits until `predicate` (evaluated under the lock) holds or `timeout`
    /// seconds pass; returns the predicate's final value.
    func wait(timeout: Double, until predicate: () -> Bool) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let whole = timeout.rounded(.down)
        var seconds = Int(deadline.tv_sec) + Int(max(0, whole))
        var nanoseconds = deadline.tv_nsec + Int(max(0, timeout - whole) * 1e9)
        if nanoseconds >= 1_000_000_000 { seconds += 1; nanoseconds -= 1_000_000_000 }
        deadline.tv_sec = seconds
        deadline.tv_nsec = nanoseconds
        return withLock {
            while !predicate() {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return predicate() }
            }
            return true
        }
    }
}
