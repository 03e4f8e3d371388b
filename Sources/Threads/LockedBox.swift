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
        try guarded.withLock { (locked) throws(E) -> R in try body(&locked.state) }
    }
}

extension LockedBox: Sendable where State: Sendable {}
