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
        subcommands: [RunCommand.self, SoakCommand.self, SubscribeCommand.self],
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

struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Weeks of a ward in minutes: steady load with a short retention, delivery, anchoring and an archive (`make soak`).",
        discussion: "Prints a sample every --sample-every seconds, the plateau and the checks; writes soak.csv and soak.png to --out. Exits non-zero if a check fails. docs/storage.md.")

    @Option(help: "The vitalgate binary (a release build).") var vitalgate: String
    @Option(help: "The repository root (Provisioning/, Devices/, scripts/).") var root: String = Files.currentDirectory()
    @Option(help: "Where to write soak.csv and soak.png.") var out = "bench-results"
    @Option(help: "Minutes of load.") var minutes = 10.0
    @Option(help: "Readings per second, over all devices.") var rate = 1000.0
    @Option(help: "Devices (smartwatch profile, each its own patient).") var devices = 100
    @Option(help: "The gateway's retention in seconds (retain_days is set to this).") var retainSeconds = 120.0
    @Option(help: "The gateway's storage_budget.") var budget = "256M"
    @Option(help: "Seconds between samples.") var sampleEvery = 10.0
    @Option(help: "Readings the clinic kept to prove at the end.") var verifySamples = 40

    func run() throws {
        let absolute = { (p: String) in p.hasPrefix("/") ? p : Files.currentDirectory() + "/" + p }
        var options = SoakOptions(vitalgate: absolute(vitalgate), root: absolute(root), out: absolute(out))
        options.minutes = minutes
        options.rate = rate
        options.devices = devices
        options.retainSeconds = retainSeconds
        options.budget = budget
        options.sampleEvery = sampleEvery
        options.verifySamples = verifySamples
        let soak = try SoakRun(options: options)
        let passed = try soak.run()
        if !passed { throw ExitCode(1) }
    }
}
