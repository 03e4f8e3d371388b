/// Sizes of each phase: bounded in count and time so `make bench` takes a few minutes.
struct BenchOptions {
    var vitalgate: String
    var bench: String
    var root: String
    var devices = 100
    var liveReadings = 50_000
    var backlogReadings = 50_000
    var latencyRate = 1000.0
    var latencySeconds = 10.0
    /// Steady rates measured for bytes written, CPU and latency (issue 14), each for `steadySeconds`.
    var steadyRates = [100.0, 1000.0]
    var steadySeconds = 30.0
    var idleSeconds = 10.0
    var piReadings = 30_000
    var merkleLeaves = 1_000_000
    var anchors = 50
    var ingestOnly = false
    /// Only the steady phases (bytes written, CPU, latency): for tuning writes.
    var steadyOnly = false
}
