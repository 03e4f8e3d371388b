import LocalProcesses
import ArgumentParser
import JSON
#if canImport(Glibc)
import Glibc
#endif

@main
struct VitalgateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitalgate-bench",
        abstract: "Measure vitalgate against a plain MQTT subscriber on the same load (`make bench`).",
        subcommands: [RunCommand.self, SubscribeCommand.self],
        defaultSubcommand: RunCommand.self)
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run every phase; print a table and write JSON.")

    @Option(help: "The vitalgate binary (a release build).") var vitalgate: String
    @Option(help: "The repository root (Provisioning/, Devices/).") var root: String = Files.currentDirectory()
    @Option(help: "Where to write the JSON results.") var out = "bench-results/bench.json"
    @Option(help: "Readings of the live comparison.") var live = 50_000
    @Option(help: "Readings of the backlog comparison.") var backlog = 50_000
    @Option(help: "Readings of the Pi-class profile's live run.") var pi = 30_000
    @Option(help: "Seconds of the Pi profile's steady 1000/s load.") var latencySeconds = 10.0
    @Option(help: "Seconds of each steady load (100/s and 1000/s) measured for bytes written, CPU and latency.") var steadySeconds = 30.0
    @Option(help: "Seconds of the idle CPU measurement.") var idleSeconds = 10.0
    @Option(help: "Leaves of the Merkle log benchmark.") var merkleLeaves = 1_000_000
    @Flag(help: "Run only the in-process ingest pipeline phase (for quick comparisons while tuning).") var ingestOnly = false
    @Flag(help: "Run only the agent at steady rates: bytes written, CPU and latency per reading (for tuning writes).") var steadyOnly = false
    @Flag(help: "Keep the work folder under /tmp (logs, databases) after a successful run; a failed run always keeps it.") var keep = false

    func run() throws {
        let absolute = { (p: String) in p.hasPrefix("/") ? p : Files.currentDirectory() + "/" + p }
        var options = BenchOptions(vitalgate: absolute(vitalgate), bench: selfExecutable(), root: absolute(root))
        options.liveReadings = live
        options.backlogReadings = backlog
        options.piReadings = pi
        options.latencySeconds = latencySeconds
        options.steadySeconds = steadySeconds
        options.idleSeconds = idleSeconds
        options.merkleLeaves = merkleLeaves
        options.ingestOnly = ingestOnly
        options.steadyOnly = steadyOnly
        let bench = try BenchRun(options: options)
        try bench.run()
        let path = absolute(out)
        if let slash = path.lastIndex(of: "/") { try Files.makeDirectories(String(path[..<slash])) }
        try Files.write(path, bench.report.json.serialized(pretty: true) + "\n")
        print("\nwrote \(path)")
        if keep {
            print("work folder kept: \(bench.directory)")
        } else {
            try? ChildProcess.run("/bin/rm", ["-rf", bench.directory], logPath: "/dev/null")
        }
    }

    /// /proc/self/exe: the subscriber child is this same binary.
    private func selfExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }
}
