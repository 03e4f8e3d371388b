import Threads
import Foundation
import MQTT
import TestSupport

/// Thread-safe record of what a client's handlers saw (they run on
/// libmosquitto's network thread).
final class Inbox: Sendable {
    private let state = LockedBox(State())

    struct State {
        var messages: [MQTTMessage] = []
        var acknowledged: [Int32] = []
        var connacks: [(rc: Int32, sessionPresent: Bool)] = []
        var disconnects: [Int32] = []
    }

    /// Installs handlers on `client` that record into this inbox.
    func attach(to client: MQTTClient) {
        client.onMessage = { message in self.state.withLock { $0.messages.append(message) } }
        client.onPublish = { mid in self.state.withLock { $0.acknowledged.append(mid) } }
        client.onConnect = { rc, present in self.state.withLock { $0.connacks.append((rc, present)) } }
        client.onDisconnect = { rc in self.state.withLock { $0.disconnects.append(rc) } }
    }

    var snapshot: State { state.withLock { $0 } }

    /// Messages whose topic does not start with `probe/`.
    var payloadMessages: [MQTTMessage] { snapshot.messages.filter { !$0.topic.hasPrefix("probe/") } }
}

/// A client for the broker on 127.0.0.1:`port`, retrying every second.
func makeClient(_ id: String, port: UInt16, cleanSession: Bool = true,
                configure: (inout MQTTClient.Configuration) -> Void = { _ in }) throws -> MQTTClient {
    var configuration = MQTTClient.Configuration(clientID: id, cleanSession: cleanSession)
    configuration.port = port
    configuration.reconnectDelay = (1, 2)
    configure(&configuration)
    return try MQTTClient(configuration)
}

/// A fresh client id, so tests sharing a broker never collide.
func uniqueID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }

/// Publishes probes on `probe/<name>` until `inbox` receives one: the
/// subscriber's SUBACK has then been processed (MQTT has no other signal
/// for it in this API). The subscriber must be subscribed to `probe/#`.
func awaitSubscription(publisher: MQTTClient, inbox: Inbox, name: String) throws {
    let topic = "probe/\(name)"
    try waitUntil(timeout: 10, "a probe on \(topic) to arrive") {
        if inbox.snapshot.messages.contains(where: { $0.topic == topic }) { return true }
        try publisher.publish(topic: topic, payload: Array("probe".utf8), qos: 1)
        return false
    }
}

/// Payload `index` of a burst: the index (big-endian) then a pattern of
/// varying length covering every byte value, so truncation, reordering or
/// corruption of any message changes its bytes.
func burstPayload(_ index: Int) -> [UInt8] {
    let prefix = withUnsafeBytes(of: UInt32(index).bigEndian) { Array($0) }
    return prefix + (0..<(index % 300)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
}
