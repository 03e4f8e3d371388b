#if canImport(Glibc)
import Glibc
#endif

import FileIO

/// What /proc says about a running process (proc(5)).
struct ProcessStats {
    /// Peak resident set size in bytes: `VmHWM` of /proc/<pid>/status.
    var peakRSS: Int64
    /// Current resident set size in bytes: `VmRSS`.
    var rss: Int64
    /// User plus system CPU seconds: fields 14 and 15 (utime, stime) of
    /// /proc/<pid>/stat, in clock ticks.
    var cpuSeconds: Double
    /// Bytes the process caused to be written to storage: `write_bytes` of
    /// /proc/<pid>/io (proc(5); pages it dirtied, counted when first dirtied),
    /// nil if the file cannot be read.
    var writeBytes: Int64?

    /// Nil once the process has gone.
    init?(pid: pid_t) {
        guard let status = try? Files.readText("/proc/\(pid)/status"), let stat = try? Files.readText("/proc/\(pid)/stat") else { return nil }
        func kilobytes(_ key: String) -> Int64 {
            for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
                let digits = line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? ""
                return (Int64(digits) ?? 0) * 1024
            }
            return 0
        }
        peakRSS = kilobytes("VmHWM")
        rss = kilobytes("VmRSS")
        // The command name (field 2) may contain spaces; fields after its ")" are plain.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": field 3 (state) is fields[0], so utime (14) is fields[11], stime (15) fields[12].
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        cpuSeconds = (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
        writeBytes = Self.writeBytes(try? Files.readText("/proc/\(pid)/io"))
    }

    /// `write_bytes` of this process (the bench's own closing checkpoints).
    static var ownWriteBytes: Int64? { writeBytes(try? Files.readText("/proc/self/io")) }

    private static func writeBytes(_ io: String?) -> Int64? {
        for line in (io ?? "").split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return line.dropFirst("write_bytes:".count).split(separator: " ").first.flatMap { Int64($0) }
        }
        return nil
    }
}
