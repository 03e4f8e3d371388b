import Glibc

/// A point on the monotonic clock (immune to wall-clock changes) that I/O must finish by.
struct Deadline {
    private let nanoseconds: Int64

    init(secondsFromNow seconds: Double) {
        nanoseconds = Self.now() + Int64(seconds * 1e9)
    }

    /// Milliseconds left, for poll(2); 0 once passed.
    var remainingMilliseconds: Int32 {
        let left = (nanoseconds - Self.now()) / 1_000_000
        return Int32(clamping: max(0, left))
    }

    private static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
