import FileIO

/// The ingest thread's work measured in process (see `IngestBench`): what
/// one reading costs the agent beyond receiving it from the broker.
extension BenchRun {
    func runIngestPipeline() throws {
        try Files.makeDirectory(directory + "/ingest")
        let r = try IngestBench(readings: 100_000, devices: options.devices, root: options.root, directory: directory + "/ingest").run()
        report.add("ingest_validate", "validate (parse + profile check), per reading", r.validateMicros, "us")
        report.add("ingest_encode", "canonical leaf encoding, per reading", r.encodeMicros, "us")
        report.add("ingest_leaf_hash", "leaf hash (SHA-256), per reading", r.leafHashMicros, "us")
        report.add("ingest_seal", "seal leaf (XChaCha20-Poly1305, pooled nonces), per reading", r.sealMicros, "us")
        for (batch, micros) in r.commitMicros {
            report.add("ingest_commit_\(batch)", "ReadingLog.commit, \(batch) per fsync'd tx, per reading", micros, "us",
                       note: "encode + hash + seal + SQLite + fsync")
        }
        for (batch, micros) in r.commitCPUMicros {
            report.add("ingest_commit_cpu_\(batch)", "  of which thread CPU (\(batch) per tx), per reading", micros, "us")
        }
    }
}
