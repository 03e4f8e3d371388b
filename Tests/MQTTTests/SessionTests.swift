import Foundation
import MQTT
import Testing
import TestSupport

@Suite struct SessionTests {
    /// Publishes `count` QoS 1 messages on `ward/bed-<i>` and waits for
    /// every PUBACK, so the broker holds them all.
    func publishAcknowledged(_ count: Int, port: UInt16) throws {
        let inbox = Inbox()
        let publisher = try makeClient(uniqueID("pub"), port: port)
        inbox.attach(to: publisher)
        try publisher.start()
        #expect(publisher.waitUntilConnected(timeout: .seconds(5)))
        for index in 0..<count {
            try publisher.publish(topic: "ward/bed-\(index)", payload: burstPayload(index), qos: 1)
        }
        try waitUntil(timeout: 10, "\(count) PUBACKs") { inbox.snapshot.acknowledged.count >= count }
        publisher.stop()
    }

    /// Subscribes a persistent session to `ward/#` and disconnects it.
    func registerPersistentSession(_ id: String, port: UInt16) throws {
        let inbox = Inbox()
        let client = try makeClient(id, port: port, cleanSession: false)
        inbox.attach(to: client)
        try client.subscribe("ward/#", qos: 1)
        try client.subscribe("probe/#", qos: 1)
        try client.start()
        let prober = try makeClient(uniqueID("prober"), port: port)
        try prober.start()
        #expect(prober.waitUntilConnected(timeout: .seconds(5)))
        try awaitSubscription(publisher: prober, inbox: inbox, name: id)
        client.stop()
        #expect(inbox.snapshot.disconnects == [0])  // 0: we asked to disconnect
    }

    /// Reconnects `id` without subscribing and returns what it receives.
    func resume(_ id: String, port: UInt16, expecting count: Int) throws -> Inbox {
        let inbox = Inbox()
        let client = try makeClient(id, port: port, cleanSession: false)
        inbox.attach(to: client)
        try client.start()
        try waitUntil(timeout: 10, "\(count) queued messages for \(id)") { inbox.payloadMessages.count >= count }
        client.stop()
        return inbox
    }

    func expectAllDelivered(_ inbox: Inbox, count: Int) {
        let received = inbox.payloadMessages
        #expect(Set(received.map(\.topic)) == Set((0..<count).map { "ward/bed-\($0)" }))
        for message in received {
            let index = Int(message.topic.dropFirst("ward/bed-".count))!
            #expect(message.payload == burstPayload(index))
        }
        #expect(inbox.snapshot.connacks.first?.rc == 0)
        #expect(inbox.snapshot.connacks.first?.sessionPresent == true)
    }

    /// cleanSession false + fixed id: QoS 1 messages published while the
    /// client was away are delivered when it comes back.
    @Test func persistentSessionReceivesWhatWasPublishedWhileAway() throws {
        let broker = try Broker()
        let id = uniqueID("gateway")
        try registerPersistentSession(id, port: broker.port)
        try publishAcknowledged(50, port: broker.port)
        expectAllDelivered(try resume(id, port: broker.port, expecting: 50), count: 50)
    }

    /// The shipped configuration keeps its queue in RAM only (persistence
    /// off, issue 11): a broker restart ends the session and what was queued
    /// for it, and the broker wrote no file but its logs. Devices resend
    /// until the gateway's end-to-end ack, so the gateway loses nothing
    /// (IntegrationTests/SecurityBrokerStoreTests).
    @Test func brokerRestartForgetsTheSessionAndWritesNothingToDisk() throws {
        let broker = try Broker()
        let id = uniqueID("gateway")
        try registerPersistentSession(id, port: broker.port)
        try publishAcknowledged(20, port: broker.port)
        try broker.restart()
        let inbox = Inbox()
        let client = try makeClient(id, port: broker.port, cleanSession: false)
        inbox.attach(to: client)
        try client.start()
        #expect(client.waitUntilConnected(timeout: .seconds(5)))
        usleep(500_000)  // anything still queued would arrive by now
        client.stop()
        #expect(inbox.snapshot.connacks.first?.sessionPresent == false)
        #expect(inbox.payloadMessages.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: broker.directory).sorted()
        #expect(files == ["mosquitto-1.log", "mosquitto-2.log", "mosquitto.conf"])
    }

    /// A clean session gets nothing that was published while it was away.
    @Test func cleanSessionStartsEmpty() throws {
        let broker = try Broker()
        let id = uniqueID("clean")
        try publishAcknowledged(5, port: broker.port)
        let inbox = Inbox()
        let client = try makeClient(id, port: broker.port, cleanSession: true)
        inbox.attach(to: client)
        try client.subscribe("ward/#", qos: 1)
        try client.start()
        #expect(client.waitUntilConnected(timeout: .seconds(5)))
        usleep(300_000)
        #expect(inbox.payloadMessages.isEmpty)
        #expect(inbox.snapshot.connacks.first?.sessionPresent == false)
    }
}
