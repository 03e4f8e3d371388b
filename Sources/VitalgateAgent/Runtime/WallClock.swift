#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time: what readings' `ts`, the database and people use.
/// Points in time for intervals and deadlines are `ContinuousClock.Instant`s
/// instead (immune to wall-clock steps: NTP, an operator's `date -s`), and
/// intervals are `Duration`s.
public enum WallClock {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME): reading timestamps are compared with it.
    public static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `2026-01-31T09:30:00Z`: a time for people (status, device list), in UTC
    /// so that gateways in several time zones read alike.
    public static func iso8601(millis: Int64, fraction: Bool = false) -> String {
        var seconds = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var text = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        if fraction {
            let ms = Int((millis % 1000 + 1000) % 1000)
            text += ms < 10 ? ".00\(ms)" : ms < 100 ? ".0\(ms)" : ".\(ms)"
        }
        return text + "Z"
    }

    /// How long ago `millis` was, for people: `42 s`, `3 min`, `5 h`, `2 d`
    /// (`in 3 s` for a time ahead, which a wrong clock makes).
    public static func age(of millis: Int64, now: Int64 = nowMillis()) -> String {
        let seconds = (now - millis) / 1000
        if seconds < 0 { return "in \(Self.duration(-seconds))" }
        return "\(Self.duration(seconds)) ago"
    }

    /// `42 s`, `3 min`, `5 h`, `2 d`.
    public static func duration(_ seconds: Int64) -> String {
        switch seconds {
        case ..<120: "\(seconds) s"
        case ..<7200: "\(seconds / 60) min"
        case ..<172_800: "\(seconds / 3600) h"
        default: "\(seconds / 86400) d"
        }
    }
}

extension Duration {
    /// The duration in seconds, to the attosecond's float precision: for
    /// what reports seconds (metrics, log lines).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
