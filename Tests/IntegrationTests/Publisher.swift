import Foundation
import MQTT
import TestSupport

/// Publishes messages with QoS 1 through the real broker and waits until the
/// broker has acknowledged every one (PUBACK), so none is still in flight here.
final class Publisher: @unchecked Sendable {
    let client: MQTTClient
    let lock = NSCondition()
    var acked = 0

    init(port: UInt16, clientID: String = "test-publisher-\(UUID().uuidString.prefix(8))") throws {
        MQTTLibrary.initialize()
        var config = MQTTClient.Configuration(clientID: clientID, cleanSession: true)
        config.port = port
        config.maxInflight = 1000
        client = try MQTTClient(config)
        client.onPublish = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.acked += 1
            self.lock.broadcast()
            self.lock.unlock()
        }
        try client.start()
        guard client.waitUntilConnected(timeout: .seconds(10)) else { throw HarnessError("publisher could not connect to 127.0.0.1:\(port)") }
    }

    /// Publishes all, at most `window` unacknowledged at a time, then waits for the last PUBACK.
    func publish(_ messages: [(topic: String, payload: [UInt8])], window: Int = 500, timeout: Double = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        let base = acked
        lock.unlock()
        for (i, m) in messages.enumerated() {
            lock.lock()
            while i - (acked - base) >= window {
                guard lock.wait(until: deadline) else { lock.unlock(); throw HarnessError("broker stopped acknowledging at \(i)") }
            }
            lock.unlock()
            try client.publish(topic: m.topic, payload: m.payload, qos: 1)
        }
        lock.lock()
        defer { lock.unlock() }
        while acked - base < messages.count {
            guard lock.wait(until: deadline) else { throw HarnessError("only \(acked - base) of \(messages.count) acknowledged") }
        }
    }

    func stop() { client.stop() }
}

/// Mines a regtest block every `interval` seconds on a background thread until stopped.
final class BlockProducer: @unchecked Sendable {
    let ledger: LedgerNode
    let interval: Double
    let condition = NSCondition()
    var stopping = false
    var done = false

    init(_ ledger: LedgerNode, interval: Double = 1) {
        self.ledger = ledger
        self.interval = interval
        Thread.detachNewThread { [self] in loop() }
    }

    private func loop() {
        while true {
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
            let stop = stopping
            condition.unlock()
            if stop { break }
            _ = try? ledger.mine(1)
        }
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops and waits for the thread, so no RPC is in flight when the node stops.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !done { condition.wait() }
        condition.unlock()
    }
}
