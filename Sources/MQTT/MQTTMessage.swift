/// A message received from the broker. The topic and payload are copies:
/// libmosquitto frees its buffers when the message callback returns.
public struct MQTTMessage: Sendable {
    public let topic: String
    public let payload: [UInt8]
    /// The QoS the message was delivered with (at most the subscription's).
    public let qos: Int32
    /// True for a retained message sent because of a new subscription.
    public let retain: Bool
    /// The packet identifier (0 for QoS 0). For QoS 1 the PUBACK has
    /// already been sent when the message is handed over.
    public let mid: Int32

    public init(topic: String, payload: [UInt8], qos: Int32, retain: Bool, mid: Int32) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.mid = mid
    }
}
