import Foundation
import JSON
import MQTT
import TestSupport
import Vitals

/// Listens on `vitals/+/ack` like the devices do and records every
/// acknowledged (device, boot, seq).
final class AckCollector: @unchecked Sendable {
    let client: MQTTClient
    private let lock = NSLock()
    private var acked: Set<String> = []

    init(port: UInt16) throws {
        MQTTLibrary.initialize()
        var config = MQTTClient.Configuration(clientID: "ack-collector-\(UUID().uuidString.prefix(8))", cleanSession: true)
        config.port = port
        client = try MQTTClient(config)
        client.onMessage = { [weak self] message in self?.receive(message) }
        try client.start()
        guard client.waitUntilConnected(timeout: .seconds(10)) else { throw HarnessError("ack collector could not connect") }
        try client.subscribe("vitals/+/ack", qos: 1)
        // The subscription is in place once a message published to a matching topic comes back.
        let probe = "vitals/probe-\(UUID().uuidString.prefix(8))/ack"
        try waitUntil(timeout: 10, "the ack subscription to take effect") {
            _ = try client.publish(topic: probe, payload: Array("probe".utf8), qos: 1)
            return probeSeen(probe)
        }
    }

    private var probes: Set<String> = []

    private func probeSeen(_ topic: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return probes.contains(topic)
    }

    private func receive(_ message: MQTTMessage) {
        if message.topic.contains("/probe-") {
            lock.lock()
            probes.insert(message.topic)
            lock.unlock()
            return
        }
        let parts = message.topic.split(separator: "/")
        guard parts.count == 3, let json = try? JSONParser.parse(message.payload), let ack = try? Acknowledgement(json: json) else { return }
        lock.lock()
        defer { lock.unlock() }
        for range in ack.acked { for seq in range { acked.insert("\(parts[1])#\(ack.boot)#\(seq)") } }
    }

    /// "device#boot#seq" of everything acknowledged so far.
    var keys: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return acked
    }

    func stop() { client.stop() }
}
