import Logging
import MQTT
import Threads
import Vitals

/// Publishes end-to-end acknowledgements on its own thread, so the ingest
/// thread starts its next batch while the acks of the last one go out.
///
/// Measured (docs/performance.md): publishing one QoS 1 ack per device per
/// batch on the ingest thread made one ingest cycle ~4.5 ms against a 0.5 ms
/// durable commit. Decisions are only handed over after their commit, so an
/// ack still never precedes the fsync.
///
/// Pacing (`AckPacing`): a device sending slowly gets its ack as soon as the
/// commit is done; a fast one gets one ack per `batchSeqs` readings or per
/// `maxHold`. Each ack is a QoS 1 message the broker routes and the device
/// answers, so one per commit per device made acks a quarter of all broker
/// traffic at full speed.
final class IngestAcks: LoopingPart, @unchecked Sendable {
    /// What one commit decided for one device and boot.
    struct Decision {
        var seqs: [UInt64] = []
        var rejected: [(seq: UInt64, reason: String)] = []
    }

    let logger: Logger
    let loop = PartLoop(name: "vg-acks")
    // Guarded by `loop.lock`.
    var pending: [AckKey: AckPacing.Pending] = [:]
    var client: MQTTClient?
    /// Set when the ingest thread found no more messages waiting: everything
    /// pending goes out at once (the end of a burst is not held).
    var flushRequested = false
    // Owned by the ack thread.
    var pacing = AckPacing()

    init(logger: Logger) { self.logger = logger }

    /// Called on the ingest thread, after the commit that made `decided` durable.
    func send(_ decided: [AckKey: Decision], via client: MQTTClient, flush: Bool) {
        guard !decided.isEmpty || flush else { return }
        let now = Monotonic.seconds()
        loop.lock.withLock {
            self.client = client
            if flush { flushRequested = true }
            for (key, d) in decided {
                pending[key, default: AckPacing.Pending(since: now)].decision.merge(d)
            }
            loop.lock.broadcast()
        }
    }

    func run() {
        while true {
            let (due, client, done) = loop.lock.withLock { () -> ([AckKey: Decision], MQTTClient?, Bool) in
                while true {
                    if loop.stopping || flushRequested {
                        let all = pending.mapValues(\.decision)
                        pending = [:]
                        flushRequested = false
                        pacing.sent(all.keys, at: Monotonic.seconds())
                        return (all, self.client, loop.stopping)
                    }
                    let now = Monotonic.seconds()
                    let (due, wake) = pacing.take(from: &pending, now: now)
                    if !due.isEmpty { return (due, self.client, false) }
                    _ = loop.lock.wait(seconds: wake.map { max(0.001, $0 - now) })
                }
            }
            if let client { publish(due, via: client) }
            if done { return }
        }
    }

    private func publish(_ work: [AckKey: Decision], via client: MQTTClient) {
        for (key, d) in work {
            let ack = Acknowledgement(boot: key.boot, seqs: d.seqs, rejected: d.rejected)
            do {
                _ = try client.publish(topic: "vitals/\(key.device)/ack", payload: ack.utf8, qos: 1)
            } catch {
                // Not fatal: the device resends what stays unacknowledged, and it is acked as a duplicate.
                logger.warning("ack to \(key.device) not sent: \(error)")
            }
        }
    }
}

extension IngestAcks.Decision {
    mutating func merge(_ other: IngestAcks.Decision) {
        seqs += other.seqs
        rejected += other.rejected
    }
}
