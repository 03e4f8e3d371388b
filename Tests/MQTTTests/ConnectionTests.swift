import Foundation
import MQTT
import Testing
import TestSupport

@Suite struct ConnectionTests {
    /// The loop thread reconnects after the broker restarts, subscriptions
    /// are restored, and messages flow again, without any call from us.
    @Test func reconnectsByItselfAfterBrokerRestart() throws {
        let broker = try Broker()
        let inbox = Inbox()
        let subscriber = try makeClient(uniqueID("sub"), port: broker.port)
        inbox.attach(to: subscriber)
        try subscriber.subscribe("probe/#", qos: 1)
        try subscriber.start()
        let publisher = try makeClient(uniqueID("pub"), port: broker.port)
        try publisher.start()
        #expect(publisher.waitUntilConnected(timeout: .seconds(5)))
        try awaitSubscription(publisher: publisher, inbox: inbox, name: "before")

        try broker.restart()
        try waitUntil(timeout: 5, "the subscriber to notice the disconnect") {
            inbox.snapshot.disconnects.contains { $0 != 0 }
        }
        #expect(subscriber.waitUntilConnected(timeout: .seconds(10)))
        #expect(publisher.waitUntilConnected(timeout: .seconds(10)))
        try awaitSubscription(publisher: publisher, inbox: inbox, name: "after")
        #expect(inbox.snapshot.connacks.filter { $0.rc == 0 }.count >= 2)
    }

    /// With nothing listening, start() succeeds, nothing crashes, the client
    /// reports not connected, and stop() returns promptly.
    @Test func nothingListeningReportsNotConnected() throws {
        let port = try freeLoopbackPort()
        let inbox = Inbox()
        let client = try makeClient(uniqueID("lonely"), port: port)
        inbox.attach(to: client)
        try client.start()
        try client.start()  // idempotent while running
        #expect(!client.waitUntilConnected(timeout: .seconds(1.5)))
        #expect(!client.isConnected)
        // QoS 1 publishes are queued in the client meanwhile, not refused.
        let mid = try client.publish(topic: "vitals/x", payload: [1], qos: 1)
        #expect(mid > 0)
        client.stop()
        client.stop()
        #expect(inbox.snapshot.connacks.isEmpty)
        #expect(throws: MQTTError.self) { try client.start() }
    }

    /// The client connects when the broker appears later, and a QoS 1
    /// message published while no broker ran is delivered then, once.
    @Test func connectsOnceBrokerAppearsAndSendsQueuedMessages() throws {
        let broker = try Broker()
        broker.stop()
        let inbox = Inbox()
        let client = try makeClient(uniqueID("early"), port: broker.port)
        inbox.attach(to: client)
        try client.subscribe("queued/#", qos: 1)  // sent on connect, before the queued publish
        try client.start()
        let mid = try client.publish(topic: "queued/reading", payload: [0x42, 0x00, 0x43], qos: 1)
        #expect(!client.waitUntilConnected(timeout: .seconds(0.5)))
        #expect(throws: MQTTError.self) { try client.publish(topic: "queued/qos0", payload: [1], qos: 0) }

        try broker.restart()
        #expect(client.waitUntilConnected(timeout: .seconds(10)))
        try waitUntil(timeout: 5, "the queued message") { !inbox.snapshot.messages.isEmpty }
        usleep(200_000)
        #expect(inbox.snapshot.messages.map(\.payload) == [[0x42, 0x00, 0x43]])
        #expect(inbox.snapshot.acknowledged == [mid])
    }

    /// Username and password reach the broker; a wrong password is refused
    /// with CONNACK 5 and the description never shows the password.
    @Test func passwordAuthentication() throws {
        let files = try TemporaryDirectory("vitalgate-mqtt-auth")
        defer { files.remove() }
        let passwords = files.file("passwd")
        try Broker.writePasswordFile(at: passwords, users: [("gateway", "s3cret-pw")])
        let broker = try Broker(extraConfig: ["password_file \(passwords)"], allowAnonymous: false)

        let good = try makeClient(uniqueID("good"), port: broker.port) {
            $0.username = "gateway"
            $0.password = "s3cret-pw"
        }
        try good.start()
        #expect(good.waitUntilConnected(timeout: .seconds(5)))

        let inbox = Inbox()
        let bad = try makeClient(uniqueID("bad"), port: broker.port) {
            $0.username = "gateway"
            $0.password = "wrong-pw"
        }
        inbox.attach(to: bad)
        try bad.start()
        try waitUntil(timeout: 5, "a refused CONNACK") { !inbox.snapshot.connacks.isEmpty }
        #expect(inbox.snapshot.connacks.first?.rc == 5)  // MQTT 3.1.1 section 3.2.2.3: not authorized
        #expect(!bad.isConnected)
        #expect(MQTTError.connectionRefused(5).description.contains("not authorised"))
        for text in ["\(bad.configuration)", String(reflecting: bad.configuration), dumped(bad.configuration)] {
            #expect(!text.contains("wrong-pw"))
            #expect(text.contains("gateway@127.0.0.1:\(broker.port)"))
        }
    }

    @Test func invalidArgumentsAreTypedErrors() throws {
        let noID = MQTTClient.Configuration(clientID: "", cleanSession: false)
        let error = #expect(throws: MQTTError.self) { try MQTTClient(noID) }
        #expect(error?.description.contains("client id") == true)
        let client = try makeClient(uniqueID("x"), port: 1)
        #expect(throws: MQTTError.self) { try client.subscribe("a/#/b", qos: 1) }
        #expect(throws: MQTTError.self) { try client.subscribe("a/b", qos: 3) }
        #expect(MQTTLibrary.version.major == 2)
    }
}

private func dumped<T>(_ value: T) -> String {
    var text = ""
    dump(value, to: &text)
    return text
}
