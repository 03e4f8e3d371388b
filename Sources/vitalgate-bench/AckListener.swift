import Threads
import JSON
import MQTT
import Vitals

/// Subscribes to the agent's end-to-end acknowledgements,
/// `vitals/<device>/ack` = `{"boot":B,"acked":[[first,last],...],"rejected":[[seq,"reason"],...]}`,
/// and marks acked seqs of boot 0 delivered in the current tracker.
final class AckListener: @unchecked Sendable {
    let client: MQTTClient
    private let lock = ConditionLock()
    private var tracker: DeliveryTracker?
    private(set) var acksSeen = 0
    private(set) var rejectedSeen = 0

    init(port: UInt16) throws {
        var config = MQTTClient.Configuration(clientID: "vitalgate-bench-acks", cleanSession: true)
        config.port = port
        client = try MQTTClient(config)
        client.onMessage = { [weak self] message in self?.receive(message) }
        try client.start()
        guard client.waitUntilConnected(timeout: 10) else { throw BenchError("ack listener cannot reach the broker on port \(port)") }
        try client.subscribe("vitals/+/ack", qos: 1)
        sleepSeconds(0.2)  // no SUBACK callback: give the subscription a moment
    }

    func track(_ tracker: DeliveryTracker?) { lock.withLock { self.tracker = tracker } }

    var acks: Int { lock.withLock { acksSeen } }

    private func receive(_ message: MQTTMessage) {
        let now = monotonicNanos()
        let parts = message.topic.split(separator: "/")
        guard parts.count == 3, let json = try? JSONParser.parse(message.payload), let ack = try? Acknowledgement(json: json) else { return }
        let device = String(parts[1])
        let target = lock.withLock { () -> DeliveryTracker? in
            acksSeen += 1
            rejectedSeen += ack.rejected.count
            return tracker
        }
        guard ack.boot == 0 else { return }
        for range in ack.acked { target?.didDeliver(device: device, seqs: range, at: now) }
    }

    func stop() { client.stop() }
}
