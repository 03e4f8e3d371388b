import MQTT
import Threads
import VitalgateAgent

/// The one publisher of every comparison: a libmosquitto client (the
/// project's MQTT module) publishing a `Load` with QoS 1, either as fast as
/// the broker takes it or at a fixed rate.
///
/// It keeps at most `window` messages awaiting PUBACK itself instead of
/// leaving the excess in libmosquitto's queue: libmosquitto 2.0.11 walks its
/// whole outgoing list on every PUBACK to release queued messages
/// (lib/messages_mosq.c, message__release_to_inflight), which made a
/// 50,000-message burst publish at a third of the broker's speed here.
final class LoadPublisher: Sendable {
    let client: MQTTClient
    let window: Int
    private let pubacks = Counter()

    /// - Parameter window: QoS 1 messages awaiting PUBACK at once (1000
    ///   matches the broker's `max_inflight_messages`).
    init(port: UInt16, window: Int = 1000) throws {
        MQTTLibrary.initialize()
        self.window = window
        var config = MQTTClient.Configuration(clientID: "vitalgate-bench-publisher", cleanSession: true)
        config.port = port
        config.maxInflight = 0  // no limit in libmosquitto: `window` is enforced here
        client = try MQTTClient(config)
        client.onPublish = { [pubacks] _ in pubacks.increment() }
        try client.start()
        guard client.waitUntilConnected(timeout: .seconds(10)) else { throw BenchError("publisher cannot reach the broker on port \(port)") }
    }

    /// Publishes every message of `tracker.load`; `rate` nil means as fast as
    /// the broker acknowledges. Waits up to `timeout` s for the last PUBACK
    /// and returns when it arrived (`crossProcessNanos`).
    @discardableResult
    func publish(_ tracker: DeliveryTracker, rate: Double?, timeout: Double = 120) throws -> UInt64 {
        let load = tracker.load
        let before = pubacks.value
        let start = ContinuousClock.now
        for k in 0..<load.total {
            if let rate { ThreadSleep.until(start + .seconds(Double(k) / rate)) }
            guard pubacks.wait(atLeast: before + k - window + 1, timeout: timeout) else {
                throw BenchError("the broker stopped acknowledging (PUBACK) after \(pubacks.value - before) of \(load.total) readings")
            }
            let (d, _) = load.message(k)
            let payload = load.payload(k, ts: WallClock.nowMillis())
            tracker.didPublish(k, at: crossProcessNanos())
            try client.publish(topic: "vitals/" + load.devices[d], payload: payload, qos: 1)
        }
        guard pubacks.wait(atLeast: before + load.total, timeout: timeout) else {
            throw BenchError("timed out after \(timeout) s waiting for the broker's PUBACKs (\(pubacks.value - before)/\(load.total))")
        }
        return crossProcessNanos()
    }

    func stop() { client.stop() }
}
