import FileIO
import JSON
import LocalProcesses
import SQLiteStore
import Threads
import VitalgateAgent

/// Milliseconds per anchor: `vitalgate dev bench-anchor` when the binary
/// has it; otherwise the agent's own anchor path, timed from its database.
extension BenchRun {
    func runAnchoring() throws {
        let help = directory + "/dev-help.log"
        _ = try? ChildProcess.run(options.vitalgate, ["dev", "--help"], logPath: help, timeout: 20)
        if ((try? Files.readText(help)) ?? "").contains("bench-anchor") {
            let out = directory + "/bench-anchor.log"
            try ChildProcess.run(options.vitalgate, ["dev", "bench-anchor", "--ledger-url", ledger!.url, "--ledger-cookie", ledger!.cookieFile,
                                                     "--utxos", "1000", "--anchors", String(options.anchors)], logPath: out, timeout: 300)
            let line = ((try? Files.readText(out)) ?? "").split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? ""
            let result = try JSONParser.parse(line)
            for member in result.object?.members ?? [] {
                if let n = member.value.number, let v = Double(n.text) {
                    report.add("anchor_" + member.key, "bench-anchor: " + member.key, v, "")
                }
            }
            return
        }
        try anchorThroughAgent()
    }

    /// The agent with a 1 s checkpoint and anchor interval under a light
    /// load, a block every second: how long from a checkpoint's signature to
    /// its anchor transaction, and to its first confirmation.
    private func anchorThroughAgent() throws {
        guard let gateway = gateways.first else { return }
        let window = 20.0
        let started = WallClock.nowMillis()
        try gateway.startAgent(extraArguments: ["--checkpoint-interval", "1", "--anchor-interval", "1", "--confirmations", "1"])
        let load = newLoad(perDevice: Int(window * 100) / options.devices)
        let publisher = self.publisher!, ledger = self.ledger!
        let miner = MinerThread(ledger: ledger, every: 1)
        miner.start()
        defer { miner.stop() }
        try publisher.publish(DeliveryTracker(load: load), rate: 100)
        ThreadSleep.for(.seconds(3))
        gateway.stopAgent()
        let db = try readOnly(gateway)
        let st = try db.prepare("""
            SELECT a.created_at - c.created_at, a.confirmed_at - a.created_at FROM anchors a
            JOIN checkpoints c ON c.tree_size = a.tree_size WHERE a.created_at >= ?
            """)
        let rows = try st.rows(.integer(started)) { ($0.int64(0), $0.isNull(1) ? nil : Optional($0.int64(1))) }
        let signToTx = rows.map { Double($0.0) }.sorted()
        let toConfirm = rows.compactMap { $0.1 }.map(Double.init).sorted()
        report.add("anchor_count", "agent anchor path: anchors in \(Int(window)) s (1 s interval)", Double(rows.count), "",
                   note: "`vitalgate dev bench-anchor` not in this build")
        report.add("anchor_checkpoint_to_tx_p50", "agent anchor path: checkpoint signed -> tx broadcast, p50", quantile(signToTx, 0.5), "ms",
                   note: "includes waiting for the 1 s anchor tick")
        report.add("anchor_tx_to_confirmed_p50", "agent anchor path: tx -> 1 confirmation seen, p50", quantile(toConfirm, 0.5), "ms",
                   note: "a block every 1 s, depth polled")
    }
}
