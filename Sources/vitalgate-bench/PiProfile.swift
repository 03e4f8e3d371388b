/// The same live and steady loads with the agent on one core and a 64 MiB cap.
extension BenchRun {
    func runPiProfile() throws {
        let limits = try AgentLimits(logDirectory: directory)
        report.add("pi_mechanism", "memory cap via " + limits.mechanism.rawValue + ", CPU via taskset -c 0", nil, "",
                   note: limits.cgroupPath ?? "")
        let (gateway, _) = try startGateway(folder: "gw2", gatewayID: "bench-pi", limits: limits)
        let perDevice = Int(options.latencyRate * options.latencySeconds) / options.devices
        let steady = try measure(gateway, newLoad(perDevice: perDevice), rate: options.latencyRate, key: "pi_steady",
                                 label: "Pi profile, steady")
        report.add("pi_latency_p50", "Pi profile: publish -> commit -> ack, p50", steady.p50, "ms")
        report.add("pi_latency_p99", "Pi profile: publish -> commit -> ack, p99", steady.p99, "ms")
        let live = try measure(gateway, newLoad(perDevice: options.piReadings / options.devices), rate: nil, key: "pi_live",
                               label: "Pi profile, full speed")
        report.add("pi_live_rate", "Pi profile: live QoS 1 committed + acked rate", live.rate, "msg/s")
        report.add("pi_cpu_per_100k", "Pi profile: CPU per 100k readings", live.cpuPer100k, "s")
        if let s = gateway.stats {
            report.add("pi_rss_peak", "Pi profile: peak RSS (VmHWM)", Double(s.peakRSS) / 1048576, "MiB")
        }
        if let peak = limits.cgroupPeakBytes {
            report.add("pi_cgroup_peak", "Pi profile: peak memory charged to the cgroup", Double(peak) / 1048576, "MiB",
                       note: "includes page cache of the SQLite file")
        }
        if let hits = limits.limitHits {
            report.add("pi_limit_hits", "Pi profile: times the 64 MiB cap was reached", Double(hits), "")
        }
        let alive = gateway.agent?.isRunning ?? false
        report.add("pi_agent_alive", "Pi profile: agent still running at the end", alive ? 1 : 0, "bool")
        gateway.stopAgent()
        try clearSession(gateway.clientID)
    }
}
