#if canImport(Glibc)
import Glibc
#endif

/// Whether a process holds the home's `agent.lock` now, and which: what
/// `status` needs to say "running" truthfully. The kernel drops the lock
/// when its holder dies, however it dies, so this is never stale.
///
/// It is read from /proc/locks, which names the holder's pid, without
/// taking the lock: a probe with flock(2) would, for an instant, make an
/// agent starting at that moment believe another one runs. Where
/// /proc/locks cannot be read, it falls back to that probe.
public struct AgentPresence: Sendable, Equatable {
    /// Someone holds the lock.
    public let locked: Bool
    /// The holder's pid when known (0 or nil: another pid namespace, or the fallback).
    public let pid: Int32?
    /// What the holder wrote in the lock file: `vitalgate run`, `vitalgate rotate-key`.
    public let purpose: String?

    public static func probe(_ home: GatewayHome) -> AgentPresence {
        let path = AgentLock.path(home)
        var info = stat()
        guard stat(path, &info) == 0 else { return AgentPresence(locked: false, pid: nil, purpose: nil) }
        let (lockPid, linePurpose) = holderLine(path)
        if let text = try? Files.readText("/proc/locks") {
            let dev = UInt64(info.st_dev)
            // Linux's dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31 (sys/sysmacros.h).
            let major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
            let minor = UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
            let want = "\(hex2(major)):\(hex2(minor)):\(info.st_ino)"
            for line in text.split(separator: "\n") where !line.contains("->") {
                // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 6, fields[1] == "FLOCK", fields[5] == want else { continue }
                let pid = Int32(fields[4])
                return AgentPresence(locked: true, pid: pid == 0 ? lockPid : pid, purpose: pid == lockPid || pid == 0 ? linePurpose : nil)
            }
            return AgentPresence(locked: false, pid: nil, purpose: nil)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return AgentPresence(locked: false, pid: nil, purpose: nil) }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return AgentPresence(locked: false, pid: nil, purpose: nil)
        }
        return AgentPresence(locked: true, pid: lockPid, purpose: linePurpose)
    }

    /// Seconds since process `pid` started (/proc/<pid>/stat field 22, in
    /// clock ticks after boot, against /proc/uptime); nil if unknown.
    public static func processAge(_ pid: Int32) -> Double? {
        guard let stat = try? Files.readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")"),
              let uptime = (try? Files.readText("/proc/uptime"))?.split(separator: " ").first.flatMap({ Double($0) }) else { return nil }
        // Fields after the command name (which may hold spaces), from field 3 on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        return uptime - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `/proc/locks` prints a device as `%02x:%02x` (major, minor).
    private static func hex2(_ n: UInt32) -> String {
        let s = String(n, radix: 16)
        return s.count < 2 ? "0" + s : s
    }

    /// The lock file's `<pid> <purpose>` line.
    private static func holderLine(_ path: String) -> (Int32?, String?) {
        guard let text = try? Files.readText(path), let line = text.split(separator: "\n").first,
              let space = line.firstIndex(of: " ") else { return (nil, nil) }
        return (Int32(line[..<space]), String(line[line.index(after: space)...]))
    }
}
