#if canImport(Glibc)
import Glibc
#endif

/// A mutex with one condition variable (pthread), for the agent's worker
/// threads: they sleep until woken or until a deadline, so an idle agent
/// polls nothing.
public final class ConditionLock: @unchecked Sendable {
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
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
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
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let whole = Int(seconds.rounded(.down))
        let nanos = Int((seconds - Double(whole)) * 1e9)
        deadline.tv_sec += whole
        deadline.tv_nsec += nanos
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// Precondition: the caller holds the lock.
    public func broadcast() { pthread_cond_broadcast(condition) }
}
