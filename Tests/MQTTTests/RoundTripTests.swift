import Foundation
import MQTT
import Testing
import TestSupport

@Suite struct RoundTripTests {
    /// 2,000 QoS 1 messages from one MQTTClient to another, each received
    /// once with identical bytes.
    @Test func qos1BurstArrivesExactly() throws {
        let broker = try Broker()
        let inbox = Inbox()
        let subscriber = try makeClient(uniqueID("sub"), port: broker.port)
        inbox.attach(to: subscriber)
        try subscriber.subscribe("vitals/#", qos: 1)
        try subscriber.subscribe("probe/#", qos: 1)
        try subscriber.start()
        let publisher = try makeClient(uniqueID("pub"), port: broker.port)
        try publisher.start()
        #expect(subscriber.waitUntilConnected(timeout: .seconds(5)))
        #expect(publisher.waitUntilConnected(timeout: .seconds(5)))
        try awaitSubscription(publisher: publisher, inbox: inbox, name: "burst")

        let count = 2000
        var mids = Set<Int32>()
        for index in 0..<count {
            let mid = try publisher.publish(topic: "vitals/dev-\(index % 7)", payload: burstPayload(index), qos: 1)
            mids.insert(mid)
        }
        #expect(mids.count == count)  // message ids are distinct among in-flight messages
        try waitUntil(timeout: 20, "\(count) messages (broker log: \(broker.directory))") {
            inbox.payloadMessages.count >= count
        }
        usleep(200_000)  // a duplicate would arrive right behind
        let received = inbox.payloadMessages
        #expect(received.count == count)
        var seen = Set<Int>()
        for message in received {
            let index = Int(message.payload.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            #expect(message.payload == burstPayload(index))
            #expect(message.topic == "vitals/dev-\(index % 7)")
            #expect(message.qos == 1)
            #expect(!message.retain)
            seen.insert(index)
        }
        #expect(seen == Set(0..<count))
        subscriber.stop()
        publisher.stop()
    }

    /// onPublish reports the PUBACK of every QoS 1 message, by the mid
    /// publish returned.
    @Test func onPublishFiresForEveryQoS1Publish() throws {
        let broker = try Broker()
        let inbox = Inbox()
        let publisher = try makeClient(uniqueID("pub"), port: broker.port)
        inbox.attach(to: publisher)
        try publisher.start()
        #expect(publisher.waitUntilConnected(timeout: .seconds(5)))
        var mids: [Int32] = []
        for index in 0..<500 {
            try [UInt8](repeating: UInt8(index % 256), count: 64).withUnsafeBytes {
                mids.append(try publisher.publish(topic: "vitals/acks", payload: $0, qos: 1, retain: false))
            }
        }
        try waitUntil(timeout: 10, "500 PUBACKs") { inbox.snapshot.acknowledged.count >= 500 }
        #expect(inbox.snapshot.acknowledged.sorted() == mids.sorted())
        #expect(Set(mids).count == 500)
    }

    /// A retained message reaches a subscriber that arrives later, flagged retain.
    @Test func retainedMessageReachesLateSubscriber() throws {
        let broker = try Broker()
        let publisher = try makeClient(uniqueID("pub"), port: broker.port)
        let acks = Inbox()
        acks.attach(to: publisher)
        try publisher.start()
        #expect(publisher.waitUntilConnected(timeout: .seconds(5)))
        let mid = try publisher.publish(topic: "status/gw", payload: [1, 2, 3], qos: 1, retain: true)
        try waitUntil(timeout: 5, "PUBACK") { acks.snapshot.acknowledged.contains(mid) }

        let inbox = Inbox()
        let late = try makeClient(uniqueID("late"), port: broker.port)
        inbox.attach(to: late)
        try late.subscribe("status/+", qos: 1)
        try late.start()
        try waitUntil(timeout: 5, "the retained message") { !inbox.snapshot.messages.isEmpty }
        let message = inbox.snapshot.messages[0]
        #expect(message.topic == "status/gw" && message.payload == [1, 2, 3] && message.retain)
    }
}
