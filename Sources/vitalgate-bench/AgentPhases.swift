import Threads

/// The agent under the same loads: idle CPU, latency at a fixed rate, live
/// ingest at full speed, and draining a backlog after an outage.
extension BenchRun {
    func runAgent() throws {
        let (gateway, source) = try startGateway(folder: "gw1", gatewayID: "bench-gw")
        report.add("commit_source", "committed = " + (source == nil ? "acked on vitals/<id>/ack" : "row visible in SQLite (poll 2 ms)"),
                   nil, "", note: source == nil ? "end-to-end acks" : "agent publishes no acks yet")

        // Idle: nothing published.
        ThreadSleep.for(.seconds(2))
        let idle0 = gateway.stats
        ThreadSleep.for(.seconds(options.idleSeconds))
        if let idle0, let idle1 = gateway.stats {
            report.add("agent_idle_cpu", "agent: CPU while idle (\(Int(options.idleSeconds)) s)", (idle1.cpuSeconds - idle0.cpuSeconds) / options.idleSeconds * 100, "% of core")
        }

        // Steady rates (issue 14): bytes written and CPU per reading, and the latency they cost.
        // At 1,000/s a poller on the database also splits publish -> ack into publish -> row
        // visible (committed) and the ack's trip back.
        for rate in options.steadyRates {
            let visibility = source == nil && rate == options.latencyRate ? try CommitPoller(databasePath: gateway.databasePath) : nil
            let steady = try runSteady(gateway, rate: rate, seconds: options.steadySeconds, visibility: visibility)
            reportSteady(steady, rate: rate)
            if rate == options.latencyRate {
                report.add("agent_latency_p50", "agent: publish -> durable commit -> ack, p50", steady.measured.p50, "ms")
                report.add("agent_latency_p99", "agent: publish -> durable commit -> ack, p99", steady.measured.p99, "ms")
            }
        }
        if let s = gateway.stats {
            report.add("agent_rss_steady", "agent: peak RSS (VmHWM) after the steady load", Double(s.peakRSS) / 1048576, "MiB")
        }

        // Live at full speed.
        let acksBefore = acks!.acks
        let live = try measure(gateway, newLoad(perDevice: options.liveReadings / options.devices), rate: nil, key: "agent_live",
                               label: "as fast as the publisher goes")
        report.add("agent_live_rate", "agent: live QoS 1 committed + acked rate", live.rate, "msg/s")
        report.add("agent_live_acks", "agent: ack messages per 100 readings (live)",
                   Double(acks!.acks - acksBefore) / Double(options.liveReadings) * 100, "")
        report.add("agent_cpu_per_100k", "agent: CPU per 100k readings (live)", live.cpuPer100k, "s")
        report.add("agent_live_cpu", "agent: CPU per reading at full speed (live)", live.cpuPer100k.map { $0 * 10 }, "us")
        if let s = gateway.stats {
            report.add("agent_rss_live", "agent: peak RSS (VmHWM) after the live load", Double(s.peakRSS) / 1048576, "MiB")
        }
        if let plain = report.value("plain_live_rate"), let rate = live.rate {
            report.add("live_ratio", "live ratio agent / plain subscriber", rate / plain, "x")
        }

        try runAgentBacklog(gateway)
        gateway.stopAgent()
        try clearSession(gateway.clientID)
    }

    /// Stops the agent, publishes the backlog into its persistent session,
    /// starts it again and times the drain.
    func runAgentBacklog(_ gateway: BenchGateway) throws {
        gateway.stopAgent()
        let backlog = newLoad(perDevice: options.backlogReadings / options.devices)
        let tracker = DeliveryTracker(load: backlog)
        try publisher!.publish(tracker, rate: nil)
        track(tracker)
        let spawned = crossProcessNanos()
        try gateway.startAgent()
        try? waitUntil(timeout: .seconds(180), interval: .milliseconds(10), "the backlog to be committed") { tracker.isComplete }
        track(nil)
        let done = tracker.isComplete
        report.add("agent_backlog_rate", "agent: backlog drain (start to last ack)",
                   done ? Double(backlog.total) / (Double(tracker.lastDelivery - spawned) / 1e9) : nil, "msg/s",
                   note: "committed \(tracker.count)/\(backlog.total)")
        report.add("agent_backlog_rate_flow", "agent: backlog drain (first to last ack)",
                   done ? Double(backlog.total - 1) / (Double(tracker.lastDelivery - tracker.firstDelivery) / 1e9) : nil, "msg/s")
        if let plain = report.value("plain_backlog_rate"), let rate = report.value("agent_backlog_rate") {
            report.add("backlog_ratio", "backlog ratio agent / plain subscriber", rate / plain, "x")
        }
    }

    struct Measured {
        var rate: Double?
        var p50: Double?
        var p90: Double?
        var p99: Double?
        var cpuPer100k: Double?
    }

    /// Publishes `load` and waits until every reading is committed (acked).
    func measure(_ gateway: BenchGateway, _ load: Load, rate: Double?, key: String, label: String) throws -> Measured {
        try measure(gateway, DeliveryTracker(load: load), rate: rate, label: label)
    }

    func measure(_ gateway: BenchGateway, _ tracker: DeliveryTracker, rate: Double?, label: String) throws -> Measured {
        let load = tracker.load
        track(tracker)
        defer { track(nil) }
        let cpu0 = gateway.stats?.cpuSeconds
        try publisher!.publish(tracker, rate: rate)
        try? waitUntil(timeout: .seconds(120), interval: .milliseconds(5), "\(load.total) readings to be committed") { tracker.isComplete }
        let cpu1 = gateway.stats?.cpuSeconds
        let latencies = tracker.latenciesMillis()
        var m = Measured()
        if tracker.isComplete {
            m.rate = Double(load.total) / (Double(tracker.lastDelivery - tracker.firstPublish) / 1e9)
        }
        m.p50 = quantile(latencies, 0.5)
        m.p90 = quantile(latencies, 0.9)
        m.p99 = quantile(latencies, 0.99)
        if let cpu0, let cpu1 { m.cpuPer100k = (cpu1 - cpu0) / Double(load.total) * 1e5 }
        print("    (\(label): committed \(tracker.count)/\(load.total))")
        return m
    }

    /// Acks when the agent sends them (one warm-up reading per device,
    /// 3 s to answer); otherwise a poller on its database. Nil means acks.
    func chooseCommitSource(_ gateway: BenchGateway) throws -> CommitPoller? {
        let warm = newLoad(perDevice: 1)
        let tracker = DeliveryTracker(load: warm)
        acks!.track(tracker)
        try publisher!.publish(tracker, rate: nil)
        try? waitUntil(timeout: .seconds(3), "acks from the agent") { tracker.isComplete }
        acks!.track(nil)
        if acks!.acks > 0 { return nil }
        let poller = try CommitPoller(databasePath: gateway.databasePath)
        poller.start()
        pollers.append(poller)
        return poller
    }

    /// Points the commit source (acks, or the newest poller) at `tracker`.
    func track(_ tracker: DeliveryTracker?) {
        acks?.track(pollers.isEmpty ? tracker : nil)
        pollers.last?.track(tracker)
    }
}
