import ArgumentParser
import FileIO
#if canImport(Glibc)
import Glibc
#endif

/// Sizes of each phase (`vitalgate-bench run`'s options): bounded in count
/// and time so `make bench` takes a few minutes.
struct BenchOptions: ParsableArguments {
    @OptionGroup var checkout: Checkout
    @Option(name: .customLong("live"), help: "Readings of the live comparison.") var liveReadings = 50_000
    @Option(name: .customLong("backlog"), help: "Readings of the backlog comparison.") var backlogReadings = 50_000
    @Option(name: .customLong("pi"), help: "Readings of the Pi-class profile's live run.") var piReadings = 30_000
    @Option(help: "Seconds of the Pi profile's steady 1000/s load.") var latencySeconds = 10.0
    @Option(help: "Seconds of each steady load (100/s and 1000/s) measured for bytes written, CPU and latency.") var steadySeconds = 30.0
    @Option(help: "Seconds of the idle CPU measurement.") var idleSeconds = 10.0
    @Option(help: "Leaves of the Merkle log benchmark.") var merkleLeaves = 1_000_000
    @Flag(help: "Run only the in-process ingest pipeline phase (for quick comparisons while tuning).") var ingestOnly = false
    /// Only the steady phases (bytes written, CPU, latency): for tuning writes.
    @Flag(help: "Run only the agent at steady rates: bytes written, CPU and latency per reading (for tuning writes).") var steadyOnly = false

    var vitalgate: String { checkout.vitalgate }
    var root: String { checkout.root }
    /// This binary (/proc/self/exe): the plain subscriber child is `bench subscribe`.
    var bench: String { Files.executablePath() ?? CommandLine.arguments[0] }

    var devices: Int { 100 }
    var latencyRate: Double { 1000 }
    /// Steady rates measured for bytes written, CPU and latency (issue 14), each for `steadySeconds`.
    var steadyRates: [Double] { [100, 1000] }
    var anchors: Int { 50 }
}
