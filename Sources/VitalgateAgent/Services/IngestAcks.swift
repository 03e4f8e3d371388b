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
final class IngestAcks: LoopingPart, Sendable {
    /// What one commit decided for one device and boot.
    struct Decision {
        var seqs: [UInt64] = []
        var rejected: [(seq: UInt64, reason: String)] = []
    }

    let logger: Logger
    let loop = PartLoop(name: "vg-acks", Shared())

    /// What the ingest thread hands the ack thread.
    struct Shared: LoopShared {
        var stopping = false
        var pending: [AckKey: AckPacing.Pending] = [:]
        var client: MQTTClient?
        /// Set when the ingest thread found no more messages waiting: everything
        /// pending goes out at once (the end of a burst is not held).
        var flushRequested = false
    }

    init(logger: Logger) { self.logger = logger }

    /// Called on the ingest thread, after the commit that made `decided` durable.
    func send(_ decided: [AckKey: Decision], via client: MQTTClient, flush: Bool) {
        guard !decided.isEmpty || flush else { return }
        let now = ContinuousClock.now
        loop.wake { shared in
            shared.client = client
            if flush { shared.flushRequested = true }
            for (key, d) in decided {
                shared.pending[key, default: AckPacing.Pending(since: now)].decision.merge(d)
            }
        }
    }

    func run() {
        // The ack thread's own: when each device was last sent an ack.
        var pacing = AckPacing()
        while true {
            let (due, client, done) = loop.lock.withLock { locked -> ([AckKey: Decision], MQTTClient?, Bool) in
                while true {
                    if locked.state.stopping || locked.state.flushRequested {
                        let all = locked.state.pending.mapValues(\.decision)
                        locked.state.pending = [:]
                        locked.state.flushRequested = false
                        pacing.sent(all.keys, at: .now)
                        return (all, locked.state.client, locked.state.stopping)
                    }
                    let now = ContinuousClock.now
                    let (due, wake) = pacing.take(from: &locked.state.pending, now: now)
                    if !due.isEmpty { return (due, locked.state.client, false) }
                    if let wake { locked.wait(for: max(.milliseconds(1), wake - now)) } else { locked.wait() }
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

struct AckKey: Hashable {
    let device: String
    let boot: UInt32
}
