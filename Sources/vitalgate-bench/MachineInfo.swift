#if canImport(Glibc)
import Glibc
#endif

import FileIO

/// Where the numbers come from: cores, CPU model, memory, kernel.
enum MachineInfo {
    static func collect(into report: Report, options: BenchOptions) {
        let cpu = ((try? Files.readText("/proc/cpuinfo")) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingSpaces } ?? "?"
        let memTotal = ((try? Files.readText("/proc/meminfo")) ?? "").split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .map { String($0.dropFirst(9)).trimmingSpaces } ?? "?"
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        report.machine = [
            ("nproc", String(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
            ("cpu_model", cpu),
            ("mem_total", memTotal),
            ("kernel", kernel),
            // The machine is shared: a busy neighbour shows here and in every rate.
            ("loadavg_at_start", loadAverage()),
        ]
        report.config = [
            ("vitalgate", options.vitalgate),
            ("devices", String(options.devices)),
            ("live_readings", String(options.liveReadings)),
            ("backlog_readings", String(options.backlogReadings)),
            ("latency_rate_per_s", String(options.latencyRate)),
            ("latency_seconds", String(options.latencySeconds)),
            ("merkle_leaves", String(options.merkleLeaves)),
        ]
        print("machine: \(report.machine.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))")
    }
}

/// The first three fields of /proc/loadavg (1, 5, 15 minutes).
func loadAverage() -> String {
    ((try? Files.readText("/proc/loadavg")) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
