/// When each device's end-to-end acknowledgement goes out (see `IngestAcks`).
///
/// A device whose readings were committed at no more than `fastRate` per
/// second since its last ack gets the next one at once: at 10 Hz that is one
/// ack per reading, as soon as it is durable. A faster device gets one ack
/// per `batchSeqs` readings, or `maxHold` after its oldest pending
/// decision, whichever comes first. The device's rate is estimated from what
/// is pending and the time since its previous ack, so a device that slows
/// down waits at most one `maxHold` before it is treated as slow again.
/// Devices resend after seconds (Devices/README.md), far above `maxHold`.
struct AckPacing {
    var fastRate = 50.0
    var batchSeqs = 20
    var maxHold = Duration.milliseconds(100)

    /// Decisions waiting for one (device, boot), and since when.
    struct Pending {
        var decision = IngestAcks.Decision()
        let since: ContinuousClock.Instant
        init(since: ContinuousClock.Instant) { self.since = since }
    }

    /// When each key's previous ack was sent.
    private var lastSent: [AckKey: ContinuousClock.Instant] = [:]

    /// Removes the decisions due at `now` from `pending` and returns them,
    /// with the time the earliest held one falls due (nil if none is held).
    mutating func take(from pending: inout [AckKey: Pending], now: ContinuousClock.Instant)
        -> (due: [AckKey: IngestAcks.Decision], wake: ContinuousClock.Instant?) {
        var due: [AckKey: IngestAcks.Decision] = [:]
        var wake: ContinuousClock.Instant?
        for (key, p) in pending {
            let count = p.decision.seqs.count
            let fast = lastSent[key].map { Double(count) / max((now - $0).seconds, 1e-6) > fastRate } ?? false
            let deadline = p.since + maxHold
            if !fast || count >= batchSeqs || now >= deadline {
                due[key] = p.decision
            } else {
                wake = min(wake ?? deadline, deadline)
            }
        }
        for key in due.keys { pending[key] = nil }
        sent(due.keys, at: now)
        return (due, wake)
    }

    /// Records that acks for `keys` went out at `now` (also when flushed without pacing).
    mutating func sent(_ keys: some Sequence<AckKey>, at now: ContinuousClock.Instant) {
        for key in keys { lastSent[key] = now }
        // Keys of devices long gone (or of earlier boots) are forgotten.
        if lastSent.count > 4096 { lastSent = lastSent.filter { now - $0.value < .seconds(60) } }
    }
}
