import Foundation
import JSON
import SQLiteStore
import Sodium
import Testing
import TestSupport
import Vitals
@testable import VitalgateAgent

/// Exactly-once without a per-reading index (`ReadingRuns`, docs/storage.md):
/// the runs against a plain set of what was decided, every stored reading
/// found in the log by its run, and `ReadingLog` telling resends from
/// conflicts across a restart (runs saved, then the readings after replayed).
@Suite struct ReadingRunsTests {
    @Test func runsAgreeWithTheSetOfDecidedSeqsAndFindEveryStoredReading() throws {
        try withScratchDatabase("reading-runs") { db, _ in
            var runs = ReadingRuns()
            var decided: [String: Set<UInt64>] = [:]
            var stored: [String: [UInt64: UInt64]] = [:]  // key -> seq -> leaf
            var random = SystemRandomNumberGenerator()
            var leaf: UInt64 = 0
            let devices = ["a", "b", "c"]
            var next: [String: UInt64] = ["a": 1, "b": 1000, "c": 5]
            try db.transaction(.immediate) {
                for step in 0..<3000 {
                    let device = devices[step % 3]
                    var seq = next[device]!
                    // Mostly in order; now and then a gap, a late one from before, a refusal.
                    switch Int.random(in: 0..<20, using: &random) {
                    case 0: seq += UInt64.random(in: 2...5, using: &random)
                    case 1: seq = seq > 40 ? seq - UInt64.random(in: 1...40, using: &random) : seq
                    default: break
                    }
                    if decided[device, default: []].contains(seq) {
                        #expect(runs.run(device: device, boot: 0, seq: seq) != nil, "\(device) \(seq) is decided")
                        next[device] = max(next[device]!, seq + 1)
                        continue
                    }
                    #expect(runs.run(device: device, boot: 0, seq: seq) == nil, "\(device) \(seq) is not decided yet")
                    let refused = Int.random(in: 0..<15, using: &random) == 0
                    if refused {
                        runs.record(device: device, boot: 0, seq: seq, leaf: nil, at: Int64(step))
                    } else {
                        try db.prepare("INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf) VALUES (?, ?, 0, ?, 0, ?, x'00')")
                            .run(.integer(Int64(leaf)), .text(device), .integer(Int64(seq)), .integer(Int64(step)))
                        runs.record(device: device, boot: 0, seq: seq, leaf: leaf, at: Int64(step))
                        stored[device, default: [:]][seq] = leaf
                        leaf += 1
                    }
                    decided[device, default: []].insert(seq)
                    next[device] = max(next[device]!, seq + 1)
                }
            }
            for device in devices {
                let all = decided[device]!
                for seq in (max(all.min()!, 3) - 3)...(all.max()! + 3) {
                    #expect((runs.run(device: device, boot: 0, seq: seq) != nil) == all.contains(seq), "\(device) \(seq)")
                    #expect(runs.run(device: device, boot: 1, seq: seq) == nil, "another boot is another key")
                    #expect(try runs.locate(db, device: device, boot: 0, seq: seq) == stored[device]?[seq], "locate \(device) \(seq)")
                }
            }
            // Far fewer runs than readings: refusals fill the holes they would leave.
            #expect(runs.count < 600, "\(runs.count) runs for 3000 readings")

            // Saved, then loaded with the last readings replayed: the same runs.
            var saved = runs
            try db.transaction(.immediate) { try saved.save(db, treeSize: leaf - 100) }
            let loaded = try ReadingRuns.load(db)
            for device in devices {
                for seq in stored[device]!.keys {
                    #expect(loaded.run(device: device, boot: 0, seq: seq) != nil, "\(device) \(seq) after loading")
                }
            }
        }
    }

    @Test func oldRunsOfPrunedReadingsAreForgottenAndRecentOnesKept() {
        var runs = ReadingRuns()
        runs.record(device: "a", boot: 0, seq: 1, leaf: 0, at: 1_000)
        runs.record(device: "a", boot: 0, seq: 2, leaf: 1, at: 1_000)
        runs.record(device: "a", boot: 1, seq: 1, leaf: 2, at: 5_000)
        runs.record(device: "b", boot: 0, seq: 9, leaf: nil, at: 1_000)
        runs.forget(receivedBefore: 2_000, prunedBelow: 2)
        #expect(runs.run(device: "a", boot: 0, seq: 1) == nil, "old and pruned")
        #expect(runs.run(device: "b", boot: 0, seq: 9) == nil, "old refusal")
        #expect(runs.run(device: "a", boot: 1, seq: 1) != nil, "recent")
        runs.record(device: "c", boot: 0, seq: 1, leaf: 3, at: 1_000)
        runs.forget(receivedBefore: 2_000, prunedBelow: 2)
        #expect(runs.run(device: "c", boot: 0, seq: 1) != nil, "old but still held")
    }

    @Test func theLogTellsResendsFromConflictsAcrossARestart() throws {
        try withScratchDatabase("reading-runs") { db, _ in
            try Sodium.initialize()
            let cipher = LeafCipher(gatewayKey: try Ed25519SecretKey.generate())
            func reading(_ seq: UInt64, hr: Int = 72) -> ReadingLog.Item {
                ReadingLog.Item(topic: "vitals/ox-1", result: .success(Reading(device: "ox-1", boot: 0, seq: seq, ts: 1_764_072_000_000 + Int64(seq),
                                                                              metrics: [("hr", ExactDecimal(Int64(hr)))])))
            }
            func reasons(_ outcomes: [IngestOutcome]) -> [String] {
                outcomes.map { if case .rejected(let r) = $0 { r.reason.rawValue } else { "stored" } }
            }
            var log = try ReadingLog(db: db, rejectionsKept: 100, cipher: cipher)
            #expect(reasons(try log.commit((1...50).map { reading($0) }, receivedAt: 1)) == Array(repeating: "stored", count: 50))
            // Same batch: a reading and its resend.
            #expect(reasons(try log.commit([reading(51), reading(51)], receivedAt: 2)) == ["stored", "duplicate"])
            #expect(reasons(try log.commit([reading(7), reading(8, hr: 80)], receivedAt: 3)) == ["duplicate", "conflict"])
            try log.flushState()
            #expect(reasons(try log.commit((52...60).map { reading($0) }, receivedAt: 4)) == Array(repeating: "stored", count: 9))
            // A restart: runs saved through 51, readings 52-60 replayed.
            log = try ReadingLog(db: db, rejectionsKept: 100, cipher: cipher)
            #expect(reasons(try log.commit([reading(3), reading(55), reading(58, hr: 99), reading(61)], receivedAt: 5))
                    == ["duplicate", "duplicate", "conflict", "stored"])
            #expect(try db.scalar("SELECT COUNT(*) FROM readings") == 61)
            // With no runs saved at all (as after the migration), they are rebuilt from every reading.
            try db.execute("DELETE FROM reading_runs; DELETE FROM meta WHERE key = 'reading_runs_through'")
            log = try ReadingLog(db: db, rejectionsKept: 100, cipher: cipher)
            #expect(reasons(try log.commit([reading(3)], receivedAt: 6)) == ["duplicate"], "rebuilt from every reading")
        }
    }
}
