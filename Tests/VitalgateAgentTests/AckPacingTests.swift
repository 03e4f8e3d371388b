import Testing
@testable import VitalgateAgent

/// Ack pacing: slow devices are acknowledged at once, fast ones in batches
/// of `batchSeqs` or after `maxHold`; nothing is held longer than that.
@Suite struct AckPacingTests {
    let key = AckKey(device: "watch-1", boot: 0)
    /// Times in these tests are seconds after `t0`.
    let t0 = ContinuousClock.now

    private func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }

    private func pending(_ seqs: ClosedRange<UInt64>, since: Double) -> AckPacing.Pending {
        var p = AckPacing.Pending(since: at(since))
        p.decision.seqs = Array(seqs)
        return p
    }

    @Test func aSlowDeviceIsAcknowledgedAtOnceEveryTime() {
        var pacing = AckPacing()
        for i in 0..<20 {
            let now = Double(i) * 0.1  // 10 Hz
            var queue = [key: pending(UInt64(i)...UInt64(i), since: now)]
            let (due, wake) = pacing.take(from: &queue, now: at(now))
            #expect(due[key]?.seqs == [UInt64(i)], "reading \(i)")
            #expect(queue.isEmpty && wake == nil)
        }
    }

    @Test func aFastDeviceIsHeldUntilABatchOrTheHoldRunsOut() {
        var pacing = AckPacing()
        var queue = [key: pending(0...2, since: 0)]
        #expect(pacing.take(from: &queue, now: at(0)).due[key]?.seqs == [0, 1, 2], "the first ack goes at once")
        // 3 readings 10 ms later: 300/s, fast, held until 0.01 + maxHold.
        queue = [key: pending(3...5, since: 0.01)]
        let held = pacing.take(from: &queue, now: at(0.01))
        #expect(held.due.isEmpty && queue[key] != nil)
        #expect(held.wake == at(0.01) + pacing.maxHold)
        // Reaching batchSeqs sends it before the hold runs out.
        queue[key]!.decision.seqs += Array(6...22)
        #expect(pacing.take(from: &queue, now: at(0.05)).due[key]?.seqs == Array(3...22))
        // A fast remainder that stops coming goes out when its hold ends, not later.
        queue = [key: pending(23...25, since: 0.06)]
        #expect(pacing.take(from: &queue, now: at(0.07)).due.isEmpty)
        #expect(pacing.take(from: &queue, now: at(0.06) + pacing.maxHold).due[key]?.seqs == [23, 24, 25])
        #expect(queue.isEmpty)
    }

    @Test func devicesArePacedIndependently() {
        var pacing = AckPacing()
        let slow = AckKey(device: "thermometer", boot: 1)
        var queue = [key: pending(0...9, since: 0), slow: pending(0...0, since: 0)]
        _ = pacing.take(from: &queue, now: at(0))
        queue = [key: pending(10...19, since: 0.02), slow: pending(1...1, since: 1.0)]
        let (due, wake) = pacing.take(from: &queue, now: at(1.0))
        // key: 10 seqs in 1 s is slow now, so both go at once.
        #expect(due[slow]?.seqs == [1] && due[key]?.seqs == Array(10...19) && wake == nil)
    }
}
