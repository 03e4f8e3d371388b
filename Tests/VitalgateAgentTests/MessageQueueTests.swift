import MQTT
import Testing
@testable import VitalgateAgent

@Suite struct MessageQueueTests {
    static func message(_ i: Int) -> MQTTMessage {
        MQTTMessage(topic: "vitals/d", payload: Array(String(i).utf8), qos: 1, retain: false, mid: Int32(i))
    }

    @Test func keepsOrderAcrossBatchesAndCompactions() {
        var queue = MessageQueue<MQTTMessage>()
        var next = 0, expected = 0
        // Interleave appends and batch removals across several compactions.
        for round in 0..<20 {
            for _ in 0..<(3000 + round * 7) {
                queue.append(Self.message(next))
                next += 1
            }
            while queue.count > 500 {
                let batch = queue.first(2000)
                #expect(batch.map(\.mid) == (expected..<(expected + batch.count)).map { Int32($0) })
                queue.removeFirst(batch.count)
                expected += batch.count
            }
            #expect(queue.count == next - expected)
        }
        let rest = queue.first(Int.max)
        #expect(rest.map(\.mid) == (expected..<next).map { Int32($0) })
        queue.removeFirst(rest.count)
        #expect(queue.isEmpty && queue.count == 0)
    }
}
