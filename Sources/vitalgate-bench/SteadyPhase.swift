import SQLiteStore
import VitalgateAgent

/// Issue 14: what the agent writes to storage, and its CPU, per reading at a
/// steady rate, with the latency that costs (docs/performance.md, "Writes").
///
/// Bytes written are `write_bytes` of /proc/<agent>/io: each page the agent
/// dirties, counted when it first dirties it (a page rewritten after its
/// fsync counts again). The phase starts from an empty WAL and ends with a
/// checkpoint of everything the phase wrote to the WAL; the bench runs both
/// checkpoints itself and adds the closing one's `write_bytes` (its own
/// process's) to the agent's, so the figure is WAL plus database file for
/// exactly the phase's readings, whichever moment the agent's own automatic
/// checkpoints fall on.
extension BenchRun {
    /// `--steady-only`: a fresh gateway, the steady phases, nothing else.
    func runSteadyOnly() throws {
        let (gateway, _) = try startGateway(folder: "gw-steady", gatewayID: "bench-steady")
        for rate in options.steadyRates {
            reportSteady(try runSteady(gateway, rate: rate, seconds: options.steadySeconds), rate: rate)
        }
        gateway.stopAgent()
    }

    /// The `steady_<rate>_*` rows: bytes written, CPU, growth and latency per reading.
    func reportSteady(_ steady: Steady, rate: Double) {
        let r = Int(rate)
        report.add("steady_\(r)_written", "agent: written to storage per reading at \(r)/s (WAL + database)", steady.writtenPerReading, "B",
                   note: "/proc/<pid>/io write_bytes")
        report.add("steady_\(r)_cpu", "agent: CPU per reading at \(r)/s", steady.cpuMicrosPerReading, "us")
        report.add("steady_\(r)_stored", "agent: database growth per reading at \(r)/s", steady.storedPerReading, "B")
        report.add("steady_\(r)_p50", "agent: publish -> durable commit -> ack at \(r)/s, p50", steady.measured.p50, "ms")
        report.add("steady_\(r)_p90", "agent: publish -> durable commit -> ack at \(r)/s, p90", steady.measured.p90, "ms")
        report.add("steady_\(r)_p99", "agent: publish -> durable commit -> ack at \(r)/s, p99", steady.measured.p99, "ms")
    }

    struct Steady {
        var measured: Measured
        var writtenPerReading: Double?
        var cpuMicrosPerReading: Double?
        var storedPerReading: Double?
    }

    func runSteady(_ gateway: BenchGateway, rate: Double, seconds: Double, visibility: CommitPoller? = nil) throws -> Steady {
        let perDevice = max(1, Int(rate * seconds) / options.devices)
        let load = newLoad(perDevice: perDevice)
        _ = try checkpoint(gateway)
        let used0 = try usedBytes(gateway)
        let before = gateway.stats
        let visible = DeliveryTracker(load: load)
        visibility?.track(visible)
        if visibility != nil { visibility?.start() }
        let measured = try measure(gateway, DeliveryTracker(load: load, mirror: visible), rate: rate,
                                   label: "\(options.devices) devices x \(format(rate / Double(options.devices))) Hz for \(Int(seconds)) s")
        visibility?.stop()
        let after = gateway.stats
        let closing = try checkpoint(gateway)
        var steady = Steady(measured: measured)
        let readings = Double(load.total)
        if let w0 = before?.writeBytes, let w1 = after?.writeBytes, let closing {
            steady.writtenPerReading = Double(w1 - w0 + closing) / readings
        }
        if let c0 = before?.cpuSeconds, let c1 = after?.cpuSeconds { steady.cpuMicrosPerReading = (c1 - c0) / readings * 1e6 }
        steady.storedPerReading = Double(try usedBytes(gateway) - used0) / readings
        if visibility != nil {
            let lat = visible.latenciesMillis()
            report.add("agent_commit_p50", "  of which publish -> row committed (poll 2 ms), p50", quantile(lat, 0.5), "ms")
            report.add("agent_commit_p99", "  of which publish -> row committed (poll 2 ms), p99", quantile(lat, 0.99), "ms")
        }
        return steady
    }

    /// Checkpoints the agent's WAL into its database from the bench's own
    /// connection (TRUNCATE: everything, then the WAL emptied) and returns
    /// what that wrote (`write_bytes` of this process).
    func checkpoint(_ gateway: BenchGateway) throws -> Int64? {
        let db = try Database(path: gateway.databasePath)
        let before = ProcessStats.ownWriteBytes
        let st = try db.prepare("PRAGMA wal_checkpoint(TRUNCATE)")
        _ = try st.step()
        let busy = st.int64(0)
        let after = ProcessStats.ownWriteBytes
        if busy != 0 { print("    (checkpoint could not finish: the agent held the database)") }
        return before.flatMap { b in after.map { $0 - b } }
    }

    /// Pages in use in the agent's database (its growth per reading).
    func usedBytes(_ gateway: BenchGateway) throws -> Int64 {
        try StorageUse.usedBytes(readOnly(gateway))
    }
}
