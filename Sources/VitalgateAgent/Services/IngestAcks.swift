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
/// ack still never precedes the fsync. When this thread falls behind, the
/// decisions of several commits are merged into one ack per device and boot:
/// fewer, larger acks exactly when the load is high.
final class IngestAcks: LoopingPart, @unchecked Sendable {
    /// What one commit decided for one device and boot.
    struct Decision {
        var seqs: [UInt64] = []
        var rejected: [(seq: UInt64, reason: String)] = []
    }

    let logger: Logger
    let loop = PartLoop(name: "vg-acks")
    // Guarded by `loop.lock`.
    var pending: [AckKey: Decision] = [:]
    var client: MQTTClient?

    init(logger: Logger) { self.logger = logger }

    /// Called on the ingest thread, after the commit that made `decided` durable.
    func send(_ decided: [AckKey: Decision], via client: MQTTClient) {
        guard !decided.isEmpty else { return }
        loop.lock.withLock {
            self.client = client
            let wasEmpty = pending.isEmpty
            for (key, d) in decided {
                if pending[key] == nil {
                    pending[key] = d
                } else {
                    pending[key]!.seqs += d.seqs
                    pending[key]!.rejected += d.rejected
                }
            }
            if wasEmpty { loop.lock.broadcast() }  // the thread only waits while nothing is pending
        }
    }

    func run() {
        while true {
            let (work, client, done) = loop.lock.withLock { () -> ([AckKey: Decision], MQTTClient?, Bool) in
                while pending.isEmpty && !loop.stopping { _ = loop.lock.wait(seconds: nil) }
                let work = pending
                pending = [:]
                return (work, self.client, loop.stopping)
            }
            if let client { publish(work, via: client) }
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
