import JSON

/// One accepted measurement message: who sent it, its place in the
/// device's sequence, when it was taken, and the values.
public struct Reading: Sendable, Equatable {
    /// The device ID (`Identifier.isDeviceID`).
    public let device: String
    /// The device's boot counter; `(device, boot, seq)` identifies a reading.
    public let boot: UInt32
    /// Per-boot sequence number, at most `Reading.maxSeq`.
    public let seq: UInt64
    /// Milliseconds since the Unix epoch, from the device clock.
    public let ts: Int64
    /// The measurements, sorted by key bytewise, keys unique.
    public let metrics: [(key: String, value: ExactDecimal)]

    /// 2^53 - 1: the largest integer every JSON implementation reads exactly
    /// (RFC 7493 section 2.2), so `seq` survives any JSON tool an auditor uses.
    public static let maxSeq: UInt64 = (1 << 53) - 1

    /// A reading; `metrics` are sorted here.
    /// Preconditions: `device` is a device ID, `seq <= maxSeq`, metric keys
    /// are valid (`Identifier.isMetricKey`) and unique. Readings from
    /// untrusted bytes come from `ReadingValidator`, `init(canonicalEncoding:)`
    /// or `init(json:)`, which check these instead of trapping.
    public init(device: String, boot: UInt32, seq: UInt64, ts: Int64, metrics: [(key: String, value: ExactDecimal)]) {
        precondition(Identifier.isDeviceID(device), "invalid device ID")
        precondition(seq <= Self.maxSeq, "seq above 2^53-1")
        let sorted = metrics.sorted { Identifier.bytewiseLess($0.key, $1.key) }
        for (i, metric) in sorted.enumerated() {
            precondition(Identifier.isMetricKey(metric.key), "invalid metric key")
            precondition(i == 0 || sorted[i - 1].key != metric.key, "repeated metric key")
        }
        self.device = device
        self.boot = boot
        self.seq = seq
        self.ts = ts
        self.metrics = sorted
    }

    /// The value of metric `key`, if present.
    public func value(of key: String) -> ExactDecimal? {
        metrics.first { $0.key == key }?.value
    }

    public static func == (a: Reading, b: Reading) -> Bool {
        a.device == b.device && a.boot == b.boot && a.seq == b.seq && a.ts == b.ts
            && a.metrics.count == b.metrics.count
            && zip(a.metrics, b.metrics).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension Reading {
    /// The one parser of `boot` and of `seq`, with the one set of bounds:
    /// `boot` an integer in 0...UInt32.max, `seq` an integer in 0...maxSeq;
    /// nil for anything else (a fraction, a negative, a string, too large).
    public static func boot(_ value: JSONValue) -> UInt32? {
        value.number?.uint64.flatMap { UInt32(exactly: $0) }
    }

    public static func seq(_ value: JSONValue) -> UInt64? {
        value.number?.uint64.flatMap { $0 <= maxSeq ? $0 : nil }
    }

    /// `boot` and `seq` of a payload that was rejected, so the rejection can
    /// name the reading (and the device may drop it): a missing `boot` is 0,
    /// as in an accepted reading; an invalid one, or an invalid `seq`, is nil.
    static func identity(boot: JSONValue?, seq: JSONValue?) -> (boot: UInt32?, seq: UInt64?) {
        (boot.map(Self.boot) ?? 0, seq.flatMap(Self.seq))
    }
}
