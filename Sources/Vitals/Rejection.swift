/// A refused message. `detail` is logged and stored, so it names fields,
/// limits and ranges but never quotes a measurement value or the payload.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: RejectionReason
    /// A sentence a person can act on, e.g. `spo2 outside plausible range [50, 100] %`.
    public let detail: String
    /// The device ID from the topic, when the topic had a valid one.
    public let device: String?

    public init(reason: RejectionReason, detail: String, device: String?) {
        self.reason = reason
        self.detail = detail
        self.device = device
    }

    public var description: String {
        "\(reason.rawValue)\(device.map { " from \($0)" } ?? ""): \(detail)"
    }
}
