#if canImport(Glibc)
import Glibc
#endif

/// A mutex with one condition variable (pthread), for the agent's worker
/// threads and libmosquitto's callbacks: they sleep until woken or until a
/// deadline, so an idle agent polls nothing.
public final class ConditionLock: @unchecked Sendable {
    // Heap-allocated: pthread objects must not move, and Swift may move stored properties.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        // CLOCK_MONOTONIC, so a wall-clock step (NTP on a Pi without RTC) can't stretch a wait.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
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

    /// Runs `body` holding the lock.
    public func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Precondition: the caller holds the lock (inside `withLock`).
    /// Waits until signalled or `seconds` pass; nil waits without deadline.
    /// Returns false on timeout. Spurious wake-ups return true: re-check state.
    @discardableResult
    public func wait(seconds: Double?) -> Bool {
        guard let seconds else {
            pthread_cond_wait(condition, mutex)
            return true
        }
        var deadline = Self.deadline(after: seconds)
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// Precondition: the caller holds the lock.
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits until `predicate` (evaluated under the lock) holds or `timeout`
    /// seconds pass; returns the predicate's final value. Call without the lock.
    public func wait(timeout: Double, until predicate: () -> Bool) -> Bool {
        let deadline = Self.deadline(after: timeout)
        return withLock {
            while !predicate() {
                var d = deadline
                if pthread_cond_timedwait(condition, mutex, &d) == ETIMEDOUT { return predicate() }
            }
            return true
        }
    }

    static func deadline(after seconds: Double) -> timespec {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let whole = max(0, seconds.rounded(.down))
        deadline.tv_sec += Int(whole)
        deadline.tv_nsec += Int(max(0, seconds - whole) * 1e9)
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        return deadline
    }
}
