#if canImport(Glibc)
import Glibc
#endif
import Threads

/// The one stamp compared across processes: CLOCK_MONOTONIC in nanoseconds.
/// The plain subscriber child (PlainSubscriber.swift) writes its receive
/// times in it and the bench subtracts its own publish times from them, so
/// every process must read the same clock: clock_gettime(2) documents
/// CLOCK_MONOTONIC as a "nonsettable system-wide clock". A
/// `ContinuousClock.Instant` cannot serve: it has no public value that
/// another process could read back. `DeliveryTracker`'s publish and delivery
/// times are such stamps; every other interval, deadline and pace of the
/// bench uses `ContinuousClock`.
func crossProcessNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Polls `condition` every `interval` until it holds or `timeout` passes;
/// throws naming `what` on time-out.
func waitUntil(timeout: Duration, interval: Duration = .milliseconds(20), _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return }
        ThreadSleep.for(interval)
    }
    throw BenchError("timed out after \(timeout) waiting for \(what)")
}
