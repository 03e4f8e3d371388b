#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds. The clock is system-wide, so stamps taken
/// in the bench and in its subscriber child can be subtracted.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Milliseconds since the Unix epoch: readings carry it as `ts`.
func wallMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

func sleepSeconds(_ seconds: Double) {
    guard seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Polls `condition` every `interval` seconds until it holds or `timeout`
/// seconds pass; throws naming `what` on time-out.
func waitUntil(timeout: Double, interval: Double = 0.02, _ what: String, _ condition: () throws -> Bool) throws {
    let deadline = monotonicNanos() + UInt64(timeout * 1e9)
    while monotonicNanos() < deadline {
        if try condition() { return }
        sleepSeconds(interval)
    }
    throw BenchError("timed out after \(timeout) s waiting for \(what)")
}
