import FileIO
import Glibc
import JSON
import Merkle
import SHA2
import SQLiteStore
import Sodium
import VitalgateAgent
import Vitals

/// The ingest thread's work without MQTT: the bench's readings validated
/// against the smartwatch profile, then committed by the agent's `ReadingLog`
/// to a real SQLite file (WAL, synchronous=FULL), in batches as large as a
/// backlog's (2,000) and as a live stream's (20). Per-reading costs of each
/// stage, on one thread: what bounds the agent's rate once MQTT is paid for.
/// Wall time includes waiting for fsync; thread CPU time does not, and is
/// what the agent takes from the broker and the devices on a shared core.
struct IngestBench {
    let readings: Int
    let devices: Int
    let root: String
    let directory: String

    struct Result {
        var validateMicros = 0.0
        var encodeMicros = 0.0
        var leafHashMicros = 0.0
        var sealMicros = 0.0
        var commitMicros: [(batch: Int, micros: Double)] = []
        var commitCPUMicros: [(batch: Int, micros: Double)] = []
    }

    func run() throws -> Result {
        var result = Result()
        let profileBytes = (try? Files.read(root + "/Devices/smartwatch.json")) ?? []
        let profile = try DeviceProfile.parse(profileBytes)
        let load = Load(devices: Load.deviceIDs(devices), perDevice: readings / devices, seqBase: 0)
        let now = Int64(1_790_000_000_000)
        let messages = (0..<load.total).map { k in
            (topic: "vitals/" + load.devices[load.message(k).device], payload: load.payload(k, ts: now))
        }
        let validator = ReadingValidator(policy: ValidationPolicy())
        let status = DeviceStatus.enrolled(profile)

        let v0 = ContinuousClock.now
        let items = messages.map { m in
            ReadingLog.Item(topic: m.topic, result: m.payload.withUnsafeBytes { validator.validate(topic: m.topic, payload: $0, nowMillis: now) { _ in status } })
        }
        result.validateMicros = micros(since: v0, per: items.count)
        let stored = items.compactMap { try? $0.result.get() }
        guard stored.count == items.count else { throw BenchError("ingest bench: \(items.count - stored.count) readings were rejected") }

        let e0 = ContinuousClock.now
        let leaves = stored.map { $0.canonicalEncoding() }
        result.encodeMicros = micros(since: e0, per: leaves.count)
        let h0 = ContinuousClock.now
        var sink: UInt8 = 0
        for leaf in leaves { sink ^= RFC9162.hashLeaf(leaf).bytes[0] }
        result.leafHashMicros = micros(since: h0, per: leaves.count)
        let cipher = LeafCipher(key: DataKey.generate())
        let nonces = RandomPool()
        let s0 = ContinuousClock.now
        for (i, leaf) in leaves.enumerated() { sink ^= cipher.seal(leaf: leaf, row: LeafCipher.Row(index: UInt64(i), stored[i]), nonces: nonces)[0] }
        result.sealMicros = micros(since: s0, per: leaves.count)
        if sink == 0x5a { print("", terminator: "") }  // keeps the loops' work observable

        for batch in [2000, 200, 20] {
            let home = directory + "/batch\(batch)"
            try Files.makeDirectory(home)
            let db = try GatewayDatabase.open(GatewayHome(path: home))
            let log = try ReadingLog(db: db, rejectionsKept: 1000, cipher: cipher)
            let count = batch >= 200 ? items.count : min(items.count, 20_000)
            let c0 = ContinuousClock.now, cpu0 = threadCPUNanos()
            var i = 0
            while i < count {
                let end = min(count, i + batch)
                _ = try log.commit(Array(items[i..<end]), receivedAt: now)
                i = end
            }
            result.commitMicros.append((batch, micros(since: c0, per: count)))
            result.commitCPUMicros.append((batch, Double(threadCPUNanos() - cpu0) / 1e3 / Double(count)))
        }
        return result
    }

    /// This thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which no Swift clock
    /// offers: what the commit costs without its wait for fsync.
    private func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private func micros(since start: ContinuousClock.Instant, per count: Int) -> Double {
        (ContinuousClock.now - start) / .microseconds(1) / Double(max(count, 1))
    }
}
