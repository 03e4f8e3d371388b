/// The plain subscriber's numbers, on the same publisher and loads as the agent's.
extension BenchRun {
    func runBaseline() throws {
        // Warm-up with nobody subscribed: the first burst after start-up pays for
        // the broker's and the publisher's allocations, which no phase should carry.
        try publisher!.publish(DeliveryTracker(load: newLoad(perDevice: 50)), rate: nil)
        let live = newLoad(perDevice: options.liveReadings / options.devices)
        let sub = try startSubscriber(name: "plain-live", clientID: "bench-plain-live", persistent: false, expect: live.total)
        try sub.waitReady()
        let tracker = DeliveryTracker(load: live)
        let before = ProcessStats(pid: sub.process.pid)
        let pubacked = try publisher!.publish(tracker, rate: nil)
        let after = ProcessStats(pid: sub.process.pid)
        let r = try sub.result(timeout: 120)
        let elapsed = Double(r.last - tracker.firstPublish) / 1e9
        report.add("publisher_rate", "publisher: QoS 1 PUBACKed by the broker", Double(live.total) / (Double(pubacked - tracker.firstPublish) / 1e9), "msg/s",
                   note: "\(live.total) readings, \(live.devices.count) devices")
        report.add("plain_live_rate", "plain subscriber: live QoS 1 receive rate", r.received == live.total ? Double(r.received) / elapsed : nil, "msg/s",
                   note: "received \(r.received)/\(live.total)")
        if let before, let after {
            report.add("plain_cpu_per_100k", "plain subscriber: CPU per 100k readings", (after.cpuSeconds - before.cpuSeconds) / Double(live.total) * 1e5, "s")
        }

        // Backlog: the session exists, the subscriber is away while the load is published.
        let backlog = newLoad(perDevice: options.backlogReadings / options.devices)
        let away = try startSubscriber(name: "plain-session", clientID: "bench-plain-backlog", persistent: true, expect: 0)
        _ = try away.result(timeout: 15)
        try publisher!.publish(DeliveryTracker(load: backlog), rate: nil)
        let spawned = crossProcessNanos()
        let drain = try startSubscriber(name: "plain-drain", clientID: "bench-plain-backlog", persistent: true, expect: backlog.total)
        let d = try drain.result(timeout: 120)
        report.add("plain_backlog_rate", "plain subscriber: backlog drain (start to last message)",
                   d.received == backlog.total ? Double(d.received) / (Double(d.last - spawned) / 1e9) : nil, "msg/s",
                   note: "received \(d.received)/\(backlog.total)")
        report.add("plain_backlog_rate_flow", "plain subscriber: backlog drain (first to last message)",
                   d.received == backlog.total ? Double(d.received - 1) / (Double(d.last - d.first) / 1e9) : nil, "msg/s")
        try clearSession("bench-plain-backlog")
    }

    func startSubscriber(name: String, clientID: String, persistent: Bool, expect: Int) throws -> PlainSubscriberProcess {
        let sub = try PlainSubscriberProcess(bench: options.bench, port: broker!.port, clientID: clientID, persistent: persistent,
                                             expect: expect, directory: directory, name: name)
        subscribers.append(sub)
        return sub
    }

    /// Connecting once with clean session on discards a persistent session
    /// (MQTT 3.1.1 section 3.1.2.4), so the broker stops queueing for it.
    func clearSession(_ clientID: String) throws {
        _ = try startSubscriber(name: "clear-\(clientID)", clientID: clientID, persistent: false, expect: 0).result(timeout: 15)
    }
}
