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

extension Reading {
    /// `{"device":..,"boot":..,"seq":..,"ts":..,"metrics":{..}}`, the form
    /// used in proof bundles and exports; metrics in bytewise key order.
    public var json: JSONValue {
        let metricMembers = metrics.map { (key: $0.key, value: JSONValue.number(JSONNumber($0.value))) }
        return .object(JSONObject([
            (key: "device", value: .string(device)),
            (key: "boot", value: .int(boot)),
            (key: "seq", value: .int(seq)),
            (key: "ts", value: .int(ts)),
            (key: "metrics", value: .object(JSONObject(metricMembers))),
        ]))
    }

    /// The inverse of `json`. Members may come in any order, but all five
    /// must be present and no others; metric values may be written in any
    /// JSON number form that denotes the same exact decimal.
    public init(json: JSONValue) throws(ReadingDecodingError) {
        guard case .object(let object) = json else { throw ReadingDecodingError("reading must be a JSON object") }
        let allowed: Set<String> = ["device", "boot", "seq", "ts", "metrics"]
        for member in object.members where !allowed.contains(member.key) {
            throw ReadingDecodingError("reading has an unexpected member; allowed: boot, device, metrics, seq, ts")
        }
        guard case .object(let metricObject) = object["metrics"] else { throw ReadingDecodingError("metrics must be a JSON object") }
        var metrics: [(key: String, value: ExactDecimal)] = []
        for member in metricObject.members {
            metrics.append((member.key, try Self.metricValue(member.key, member.value)))
        }
        try self.init(checking: object, metrics: metrics, bootRequired: true)
    }
}

/// The members of one payload, checked as they are read. Details name the
/// field and the rule, never the value (RejectionReason's contract).
struct PayloadFields {
    let device: String
    let profile: DeviceProfile
    var sawDevice = false
    var boot: UInt32 = 0
    var seq: UInt64?
    var ts: Int64?
    var metrics: [(key: String, value: ExactDecimal)] = []

    init(device: String, profile: DeviceProfile) {
        self.device = device
        self.profile = profile
        metrics.reserveCapacity(profile.metrics.count)
    }

    func reject(_ reason: RejectionReason, _ detail: String) -> Rejection {
        Rejection(reason: reason, detail: detail, device: device)
    }

    mutating func take(_ key: String, _ value: JSONValue) throws(Rejection) {
        switch key {
        case "device":
            guard case .string(let s) = value else { throw reject(.wrongType, "device must be a string") }
            guard s == device else { throw reject(.deviceMismatch, "payload device differs from the topic's device ID") }
            sawDevice = true
        case "boot":
            guard case .number(let n) = value else { throw reject(.wrongType, "boot must be a number") }
            guard let b = Reading.boot(.number(n)) else { throw reject(.invalidBoot, "boot must be an integer in 0...4294967295") }
            boot = b
        case "seq":
            guard case .number(let n) = value else { throw reject(.wrongType, "seq must be a number") }
            guard let s = Reading.seq(.number(n)) else { throw reject(.invalidSeq, "seq must be an integer in 0...9007199254740991") }
            seq = s
        case "ts":
            guard case .number(let n) = value else { throw reject(.wrongType, "ts must be a number") }
            guard let t = n.int64 else { throw reject(.invalidTimestamp, "ts must be an integer count of milliseconds since the Unix epoch") }
            ts = t
        default:
            try takeMetric(key, value)
        }
    }

    mutating func takeMetric(_ key: String, _ value: JSONValue) throws(Rejection) {
        // Profile keys are valid metric keys (DeviceProfile.init checks), so the
        // syntax check is needed only to explain a key the profile lacks.
        guard let spec = profile.metric(key) else {
            guard Identifier.isMetricKey(key) else {
                if Identifier.reservedKeys.contains(key) { throw reject(.unexpectedField, "member \(key) is reserved and not accepted in readings") }
                // Not echoed: an arbitrary name could carry anything.
                throw reject(.unexpectedField, "a member name is not a valid metric key ([a-z][a-z0-9_]{0,31})")
            }
            throw reject(.unknownMetric, "metric \(key) is not in profile \(profile.name)")
        }
        guard case .number(let n) = value else { throw reject(.wrongType, "\(key) must be a JSON number") }
        guard let d = n.decimal else { throw reject(.outOfRange, "\(key) is not an exact decimal of at most 18 significant digits") }
        guard spec.isPlausible(d) else { throw reject(.outOfRange, "\(key) outside plausible range \(spec.rangeDescription)") }
        metrics.append((key: key, value: d))
    }

    /// The reading, once every member is read: required fields present,
    /// timestamp inside the window, at least one metric, required metrics present.
    func reading(nowMillis: Int64, policy: ValidationPolicy) throws(Rejection) -> Reading {
        guard sawDevice else { throw reject(.missingField, "device is missing") }
        guard let seq else { throw reject(.missingField, "seq is missing") }
        guard let ts else { throw reject(.missingField, "ts is missing") }
        let earliest = nowMillis.subtractingReportingOverflow(policy.maxPastSkewMillis)
        let latest = nowMillis.addingReportingOverflow(policy.maxFutureSkewMillis)
        if !latest.overflow, ts > latest.partialValue {
            throw reject(.timestampOutOfWindow, "ts is more than \(policy.maxFutureSkewMillis) ms ahead of the gateway clock")
        }
        if !earliest.overflow, ts < earliest.partialValue {
            throw reject(.timestampOutOfWindow, "ts is more than \(policy.maxPastSkewMillis) ms behind the gateway clock")
        }
        guard !metrics.isEmpty else {
            throw reject(.noMetrics, "payload has no metrics; profile \(profile.name) lists \(profile.metrics.map(\.key).joined(separator: ", "))")
        }
        for spec in profile.metrics where spec.required && !metrics.contains(where: { $0.key == spec.key }) {
            throw reject(.missingMetric, "required metric \(spec.key) is missing")
        }
        return Reading(validated: device, boot: boot, seq: seq, ts: ts, metrics: metrics)
    }
}

extension Reading {
    /// For `PayloadFields`, which has already established every precondition
    /// of the public initializer (the parser rejected repeated keys).
    init(validated device: String, boot: UInt32, seq: UInt64, ts: Int64, metrics: [(key: String, value: ExactDecimal)]) {
        self.device = device
        self.boot = boot
        self.seq = seq
        self.ts = ts
        self.metrics = metrics.sorted { Identifier.bytewiseLess($0.key, $1.key) }
    }
}

/// Bytes or JSON that do not describe a reading in the expected form.
/// The message names the field but never quotes a value.
public struct ReadingDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
