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
        guard client.waitUntilConnected(timeout: 10) else { throw HarnessError("ack collector could not connect") }
        try client.subscribe("vitals/+/ack", qos: 1)
        usleep(200_000)  // let the SUBACK arrive before anything is published
    }

    private func receive(_ message: MQTTMessage) {
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
