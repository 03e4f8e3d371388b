import JSON
import MQTT
import Threads
import Vitals

/// Subscribes to the agent's end-to-end acknowledgements,
/// `vitals/<device>/ack` = `{"boot":B,"acked":[[first,last],...],"rejected":[[seq,"reason"],...]}`,
/// and marks acked seqs of boot 0 delivered in the current tracker.
final class AckListener: Sendable {
    let client: MQTTClient
    private struct Seen {
        var tracker: DeliveryTracker?
        var acks = 0
        var rejected = 0
    }
    private let seen = LockedBox(Seen())

    init(port: UInt16) throws {
        var config = MQTTClient.Configuration(clientID: "vitalgate-bench-acks", cleanSession: true)
        config.port = port
        client = try MQTTClient(config)
        client.onMessage = { [weak self] message in self?.receive(message) }
        try client.start()
        guard client.waitUntilConnected(timeout: .seconds(10)) else { throw BenchError("ack listener cannot reach the broker on port \(port)") }
        try client.subscribe("vitals/+/ack", qos: 1)
        ThreadSleep.for(.milliseconds(200))  // no SUBACK callback: give the subscription a moment
    }

    func track(_ tracker: DeliveryTracker?) { seen.withLock { $0.tracker = tracker } }

    var acks: Int { seen.withLock { $0.acks } }
    var rejectedSeen: Int { seen.withLock { $0.rejected } }

    private func receive(_ message: MQTTMessage) {
        let now = crossProcessNanos()
        let parts = message.topic.split(separator: "/")
        guard parts.count == 3, let json = try? JSONParser.parse(message.payload), let ack = try? Acknowledgement(json: json) else { return }
        let device = String(parts[1])
        let target = seen.withLock { seen -> DeliveryTracker? in
            seen.acks += 1
            seen.rejected += ack.rejected.count
            return seen.tracker
        }
        guard ack.boot == 0 else { return }
        for range in ack.acked { target?.didDeliver(device: device, seqs: range, at: now) }
    }

    func stop() { client.stop() }
}
