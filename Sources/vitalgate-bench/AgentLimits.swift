import FileIO
import LocalProcesses
#if canImport(Glibc)
import Glibc
#endif

/// A Raspberry-Pi-class profile for the agent: one CPU (`taskset -c 0`)
/// and a memory cap, enforced by the first mechanism that works here:
/// 1. `systemd-run --scope -p MemoryMax=…` (needs systemd as PID 1),
/// 2. a cgroup v2 directory with `memory.max` (needs the memory controller),
/// 3. a cgroup v1 directory under /sys/fs/cgroup/memory with `memory.limit_in_bytes`,
/// 4. `prlimit --as` (caps address space, not RSS: far stricter than a Pi's RAM).
/// The PID stays the agent's: taskset, prlimit, systemd-run --scope and the
/// `sh -c 'echo $$ > cgroup.procs; exec …'` wrapper all exec.
final class AgentLimits {
    enum Mechanism: String { case systemdScope = "systemd-run --scope", cgroupV2 = "cgroup v2 memory.max", cgroupV1 = "cgroup v1 memory.limit_in_bytes", prlimitAS = "prlimit --as" }

    let cpu: Int
    let memoryBytes: Int64
    let mechanism: Mechanism
    let cgroupPath: String?

    init(cpu: Int = 0, memoryBytes: Int64 = 64 << 20, logDirectory: String) throws {
        self.cpu = cpu
        self.memoryBytes = memoryBytes
        let name = "vitalgate-bench-\(getpid())"
        if Self.systemdScopeWorks(memoryBytes, logDirectory) {
            mechanism = .systemdScope
            cgroupPath = nil
        } else if ((try? Files.readText("/sys/fs/cgroup/cgroup.controllers")) ?? "").contains("memory"),
                  mkdir("/sys/fs/cgroup/" + name, 0o755) == 0 {
            cgroupPath = "/sys/fs/cgroup/" + name
            mechanism = .cgroupV2
            try Self.setControl(cgroupPath! + "/memory.max", String(memoryBytes))
            try? Self.setControl(cgroupPath! + "/memory.swap.max", "0")
        } else if Files.exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                  mkdir("/sys/fs/cgroup/memory/" + name, 0o755) == 0 {
            cgroupPath = "/sys/fs/cgroup/memory/" + name
            mechanism = .cgroupV1
            try Self.setControl(cgroupPath! + "/memory.limit_in_bytes", String(memoryBytes))
        } else {
            mechanism = .prlimitAS
            cgroupPath = nil
        }
    }

    /// Sets a cgroup control file: the kernel takes the value from one
    /// write to the file as it is. FileIO's whole-file writes do not fit:
    /// they would set the file's mode and fsync, which a control file has no
    /// use for.
    private static func setControl(_ path: String, _ value: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError("open", path, errno: errno) }
        defer { close(fd) }
        try Files.writeAll(fd, Array(value.utf8), path: path)
    }

    private static func systemdScopeWorks(_ bytes: Int64, _ dir: String) -> Bool {
        guard Files.isExecutable("/usr/bin/systemd-run") else { return false }
        return (try? ChildProcess.run("/usr/bin/systemd-run", ["--scope", "--quiet", "-p", "MemoryMax=\(bytes)", "/bin/true"],
                                      logPath: dir + "/systemd-run-probe.log", timeout: 10)) != nil
    }

    func spawn(_ command: [String], logPath: String) throws -> ChildProcess {
        let pinned = ["/usr/bin/taskset", "-c", String(cpu)] + command
        let full: [String]
        switch mechanism {
        case .systemdScope:
            full = ["/usr/bin/systemd-run", "--scope", "--quiet", "-p", "MemoryMax=\(memoryBytes)", "-p", "MemorySwapMax=0"] + pinned
        case .cgroupV2, .cgroupV1:
            full = ["/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", cgroupPath!] + pinned
        case .prlimitAS:
            full = ["/usr/bin/prlimit", "--as=\(memoryBytes)", "--"] + pinned
        }
        return try ChildProcess(name: "vitalgate (limited)", executable: full[0], arguments: Array(full.dropFirst()), logPath: logPath)
    }

    /// Times the memory cap was hit (cgroup failcnt / memory.events "max"), if known.
    var limitHits: Int? {
        guard let cgroupPath else { return nil }
        if mechanism == .cgroupV1 { return Int(((try? Files.readText(cgroupPath + "/memory.failcnt")) ?? "").filter(\.isNumber)) }
        for line in ((try? Files.readText(cgroupPath + "/memory.events")) ?? "").split(separator: "\n") where line.hasPrefix("max ") {
            return Int(line.dropFirst(4))
        }
        return nil
    }

    /// Peak memory charged to the cgroup (v1 max_usage_in_bytes, v2 memory.peak), if known.
    var cgroupPeakBytes: Int64? {
        guard let cgroupPath else { return nil }
        let file = mechanism == .cgroupV1 ? "/memory.max_usage_in_bytes" : "/memory.peak"
        return Int64(((try? Files.readText(cgroupPath + file)) ?? "").filter(\.isNumber))
    }

    /// Removes the cgroup directory (empty once the agent has exited).
    func cleanUp() {
        if let cgroupPath { rmdir(cgroupPath) }
    }
}
