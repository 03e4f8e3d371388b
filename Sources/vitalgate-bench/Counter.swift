#if canImport(Glibc)
import Glibc
#endif

/// A counter one thread increments (libmosquitto's, on PUBACK) and another
/// waits on, without polling: a mutex and a condition variable.
final class Counter: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var count = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    var value: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return count
    }

    func increment() {
        pthread_mutex_lock(mutex)
        count += 1
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Blocks until the count reaches `target` or `timeout` seconds pass (wall clock); true if reached.
    func wait(atLeast target: Int, timeout: Double) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let total = Double(deadline.tv_nsec) / 1e9 + timeout
        deadline.tv_sec += Int(total)
        deadline.tv_nsec = Int((total - Double(Int(total))) * 1e9)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count < target {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return count >= target }
        }
        return true
    }
}
