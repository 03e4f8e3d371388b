#if canImport(Glibc)
import Glibc
#endif

/// Blocking sleeps for plain threads (the agent's parts, the command line,
/// the bench), where `ContinuousClock.sleep` cannot serve: it is async. The
/// one place a thread sleeps on `Duration`s rather than a count of
/// microseconds.
public enum ThreadSleep {
    /// Blocks this thread until `deadline`; returns at once if it passed.
    public static func until(_ deadline: ContinuousClock.Instant) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return }
            let (seconds, attoseconds) = left.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            nanosleep(&request, nil)  // woken early (EINTR): the loop sleeps the rest
        }
    }

    /// Blocks this thread for `duration` (none or less: returns at once).
    public static func `for`(_ duration: Duration) {
        until(.now + duration)
    }
}
