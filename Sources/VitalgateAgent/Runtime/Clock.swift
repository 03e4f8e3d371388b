#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock and monotonic time, without Foundation.
public enum Clock {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME): reading timestamps are compared with it.
    public static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Seconds on CLOCK_MONOTONIC: for intervals and deadlines.
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
