import JSON

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
