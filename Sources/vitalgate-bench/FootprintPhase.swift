import FileIO
import LocalProcesses
/// The binary: size as built, and stripped (what a deployment ships).
extension BenchRun {
    func runFootprint() throws {
        guard let size = Files.size(options.vitalgate) else { throw BenchError("cannot stat \(options.vitalgate)") }
        report.add("binary_size", "vitalgate binary (as built)", Double(size) / 1048576, "MiB", note: options.vitalgate)
        let stripped = directory + "/vitalgate.stripped"
        if (try? ChildProcess.run("/usr/bin/strip", ["-o", stripped, options.vitalgate], logPath: directory + "/strip.log")) != nil,
           let s = Files.size(stripped) {
            report.add("binary_size_stripped", "vitalgate binary (stripped)", Double(s) / 1048576, "MiB")
        }
    }

    func runMerkle() throws {
        try Files.makeDirectory(directory + "/merkle")
        let r = try MerkleBench(leaves: options.merkleLeaves, proofs: 10_000, directory: directory + "/merkle").run()
        report.add("merkle_memory_append", "Merkle append in memory (leaf hash + parents)", r.memoryAppendPerSecond, "leaves/s")
        report.add("merkle_memory_proof_p50", "inclusion proof from memory, p50", r.memoryProofMicros.p50, "us", note: "\(r.proofLength) hashes")
        report.add("merkle_memory_proof_p99", "inclusion proof from memory, p99", r.memoryProofMicros.p99, "us")
        report.add("merkle_verify_p50", "inclusion proof verification, p50", r.verifyMicros.p50, "us")
        report.add("merkle_verify_p99", "inclusion proof verification, p99", r.verifyMicros.p99, "us")
        report.add("merkle_sqlite_append", "Merkle append to SQLite node table (2000 leaves/tx, FULL)", r.sqliteAppendPerSecond, "leaves/s")
        report.add("merkle_sqlite_proof_p50", "inclusion proof from SQLite (MerkleNodeTable), p50", r.sqliteProofMicros.p50, "us")
        report.add("merkle_sqlite_proof_p99", "inclusion proof from SQLite (MerkleNodeTable), p99", r.sqliteProofMicros.p99, "us")
    }

    /// The goals against what was measured.
    func evaluateGoals() {
        report.goal("live QoS 1 vs plain subscriber", target: ">= 0.9x", key: "live_ratio", unit: "x") { $0 >= 0.9 }
        report.goal("backlog drain vs plain subscriber", target: ">= 0.7x", key: "backlog_ratio", unit: "x") { $0 >= 0.7 }
        // Issue 14: acks wait for a commit window (0.2 s) under steady load; a device can wait 250 ms.
        for rate in options.steadyRates.map({ Int($0) }) {
            report.goal("written per reading at \(rate)/s", target: "<= 600 B", key: "steady_\(rate)_written", unit: "B") { $0 <= 600 }
            report.goal("p99 publish -> ack at \(rate)/s", target: "<= 250 ms", key: "steady_\(rate)_p99", unit: "ms") { $0 <= 250 }
        }
        if let live = report.value("agent_live_cpu") {
            report.goal("CPU per reading at \(Int(options.latencyRate))/s vs full speed", target: "<= \(format(live)) us", key: "steady_\(Int(options.latencyRate))_cpu", unit: "us") { $0 <= live }
        }
        report.goal("peak RSS at \(options.devices) devices x \(Int(options.latencyRate) / options.devices) Hz", target: "<= 20 MiB",
                    key: "agent_rss_steady", unit: "MiB") { $0 <= 20 }
        report.goal("idle CPU", target: "~0 (< 1%)", key: "agent_idle_cpu", unit: "% core") { $0 < 1 }
        report.goal("inclusion proof at \(options.merkleLeaves) from SQLite, p50", target: "< 1 ms", key: "merkle_sqlite_proof_p50", unit: "us") { $0 < 1000 }
        report.goal("inclusion proof at \(options.merkleLeaves) from SQLite, p99", target: "< 1 ms", key: "merkle_sqlite_proof_p99", unit: "us") { $0 < 1000 }
        report.goal("inclusion proof at \(options.merkleLeaves), verify", target: "< 50 us", key: "merkle_verify_p99", unit: "us") { $0 < 50 }
        report.machine.append(("loadavg_at_end", loadAverage()))
        report.printGoals()
    }
}
