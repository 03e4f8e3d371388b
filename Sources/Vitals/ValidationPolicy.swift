/// Limits applied to every incoming message.
public struct ValidationPolicy: Sendable {
    /// Longest accepted payload; a reading is well under 1 KiB.
    public var maxPayloadBytes = 4096
    /// How far `ts` may run ahead of the gateway clock (device clock drift).
    public var maxFutureSkewMillis: Int64 = 5 * 60_000
    /// How far `ts` may lag the gateway clock (a device buffering while offline).
    public var maxPastSkewMillis: Int64 = 7 * 86_400_000
    public init() {}
}
