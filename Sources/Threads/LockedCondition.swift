#if canImport(Glibc)
import Glibc
#endif

/// State shared between threads that also sleep until it changes (the
/// agent's worker threads, libmosquitto's callbacks): a pthread mutex, one
/// condition variable, and the state they guard. The state is reachable only
/// inside `withLock`, through `Locked`, which cannot leave the closure, so
/// "guarded by the lock" is something the compiler checks, not a comment.
/// Where nothing waits, `LockedBox` is the same lock without the waiting.
public final class LockedCondition<State> {
    // Heap-allocated: pthread objects must not move, and Swift may move stored properties.
    fileprivate let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    fileprivate let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Reached through a pointer, never as an `inout` argument: a waiting
    // thread lets others change it, and an `inout` would let the compiler
    // assume nobody did.
    fileprivate let storage = UnsafeMutablePointer<State>.allocate(capacity: 1)

    public init(_ initial: State) {
        storage.initialize(to: initial)
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
        storage.deinitialize(count: 1)
        storage.deallocate()
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the lock; `body` reaches the state, waits and
    /// wakes waiters through its argument.
    public func withLock<R, E: Error>(_ body: (borrowing Locked) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(Locked(owner: self))
    }

    /// The state while the lock is held. Not copyable, so it cannot be kept
    /// past `withLock`.
    public struct Locked: ~Copyable {
        fileprivate let owner: LockedCondition<State>

        public var state: State {
            unsafeAddress { UnsafePointer(owner.storage) }
            nonmutating unsafeMutableAddress { owner.storage }
        }

        /// Wakes every thread waiting on this lock.
        public func broadcast() { pthread_cond_broadcast(owner.condition) }

        /// Releases the lock until woken, then takes it again. Wake-ups can
        /// be spurious: re-check the state.
        public func wait() { pthread_cond_wait(owner.condition, owner.mutex) }

        /// As `wait()`, for at most `duration` (none or less: only a look).
        /// Returns false when it timed out.
        @discardableResult
        public func wait(for duration: Duration) -> Bool {
            var deadline = monotonicTime(after: duration)
            return pthread_cond_timedwait(owner.condition, owner.mutex, &deadline) != ETIMEDOUT
        }

        /// As `wait()`, until `deadline` at the latest. Returns false when it timed out.
        @discardableResult
        public func wait(until deadline: ContinuousClock.Instant) -> Bool {
            wait(for: ContinuousClock.now.duration(to: deadline))
        }
    }
}

// The one place that shares `State` between threads: a pthread mutex and
// condition variable (C handles) guard it, and only `withLock` reaches it.
extension LockedCondition: @unchecked Sendable where State: Sendable {}

/// CLOCK_MONOTONIC now plus `duration` (negative counts as zero), as
/// `pthread_cond_timedwait` wants it. Linux's `ContinuousClock` is
/// CLOCK_BOOTTIME, which condition variables cannot use, so deadlines
/// travel as durations.
func monotonicTime(after duration: Duration) -> timespec {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let (seconds, attoseconds) = max(duration, .zero).components
    // A wait of more than a century is a wait without end; don't overflow.
    let wholeSeconds = min(seconds, 3_155_760_000)
    var sec = now.tv_sec + Int(wholeSeconds)
    var nsec = now.tv_nsec + Int(attoseconds / 1_000_000_000)
    if nsec >= 1_000_000_000 {
        sec += 1
        nsec -= 1_000_000_000
    }
    return timespec(tv_sec: sec, tv_nsec: nsec)
}

/// State shared between threads that never wait for it to change: a
/// `LockedCondition` without the waiting, reached as `inout` inside
/// `withLock`. Used instead of Synchronization's `Mutex` because on Linux a
/// contended `Mutex` is taken in the kernel (a PI futex), where
/// ThreadSanitizer cannot see it, so `make test-tsan` reported races under
/// it that were not there; a pthread mutex it sees.
public final class LockedBox<State> {
    private let guarded: LockedCondition<State>

    public init(_ initial: State) { guarded = LockedCondition(initial) }

    /// Runs `body` with the state, holding the lock.
    public func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        // The lock and storage directly, not through `guarded.withLock`: Swift
        // 6.3.1's optimizer crashes (signal 6, "Cannot initialize a nonCopyable
        // type with a guaranteed value") inlining that `~Copyable` `Locked`
        // here in a release build.
        pthread_mutex_lock(guarded.mutex)
        defer { pthread_mutex_unlock(guarded.mutex) }
        return try body(&guarded.storage.pointee)
    }
}

extension LockedBox: Sendable where State: Sendable {}
