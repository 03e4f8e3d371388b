/// A refused message. `detail` is logged and stored, so it names fields,
/// limits and ranges but never quotes a measurement value or the payload.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: RejectionReason
    /// A sentence a person can act on, e.g. `spo2 outside plausible range [50, 100] %`.
    public let detail: String
    /// The device ID from the topic, when the topic had a valid one.
    public let device: String?
    /// The message's `boot` and `seq`, when they could be read: the agent
    /// then tells the device it may forget that reading (end-to-end ack).
    public let boot: UInt32?
    public let seq: UInt64?

    public init(reason: RejectionReason, detail: String, device: String?, boot: UInt32? = nil, seq: UInt64? = nil) {
        self.reason = reason
        self.detail = detail
        self.device = device
        self.boot = boot
        self.seq = seq
    }

    /// The same rejection, naming the reading it refused.
    public func about(boot: UInt32?, seq: UInt64?) -> Rejection {
        Rejection(reason: reason, detail: detail, device: device, boot: self.boot ?? boot, seq: self.seq ?? seq)
    }

    public var description: String {
        "\(reason.rawValue)\(device.map { " from \($0)" } ?? ""): \(detail)"
    }
}
