import JSON

/// A reading sent as SenML JSON (RFC 8428): an array of records whose
/// resolved names are `<device-id>/<metric>`, plus records named
/// `<device-id>/seq` and, optionally, `<device-id>/boot`, all at one time.
///
///     [{"bn":"ox-001/","bt":1764072000.123,"n":"spo2","u":"%","v":97},
///      {"n":"hr","u":"/min","v":72},{"n":"seq","v":17}]
///
/// Base fields resolve as RFC 8428 section 4.5 says: name = bn + n, time =
/// bt + t, value = bv + v, unit = u or else bu, each base field applying
/// from its record on. A resolved time below 2^28 is relative to now
/// (section 4.5.3). The pack becomes the same flat members a JSON reading
/// has, and goes through the same checks (`PayloadFields`).
struct SenMLPack {
    let device: String
    let profile: DeviceProfile
    let records: [JSONValue]

    func reject(_ reason: RejectionReason, _ detail: String) -> Rejection {
        Rejection(reason: reason, detail: detail, device: device)
    }

    func reading(nowMillis: Int64, policy: ValidationPolicy) throws(Rejection) -> Reading {
        var base = SenMLBase()
        var members: [(key: String, value: JSONValue)] = [(key: "device", value: .string(device))]
        var time: ExactDecimal?
        var seen: Set<String> = []
        for (i, value) in records.enumerated() {
            guard case .object(let record) = value else { throw reject(.notAnObject, "payload must be a JSON object, or a SenML array of record objects (record \(i) is not)") }
            let r = try SenMLRecord(record, index: i, base: &base, device: device)
            guard let key = r.key else { continue }  // a record that only sets base fields
            guard seen.insert(key).inserted else { throw reject(.unexpectedField, "SenML name \(key) appears twice") }
            if let previous = time, previous != r.time {
                throw reject(.invalidTimestamp, "SenML records of one reading must share one time")
            }
            time = r.time
            // A base unit (bu) applies to every later record (section 4.5), so seq and boot may
            // carry one; only metrics' units mean something here.
            if let spec = profile.metric(key), let unit = r.unit, !UnitAliases.matches(unit, profileUnit: spec.unit) {
                throw reject(.unitMismatch, "\(key) unit differs from the profile's \(spec.unit)")
            }
            members.append((key: key, value: .number(JSONNumber(r.value))))
        }
        let ts = try Self.milliseconds(time ?? ExactDecimal(0), nowMillis: nowMillis, reject)
        members.append((key: "ts", value: .int(ts)))
        do throws(Rejection) {
            var fields = PayloadFields(device: device, profile: profile)
            for m in members { try fields.take(m.key, m.value) }
            return try fields.reading(nowMillis: nowMillis, policy: policy)
        } catch {
            let named = Reading.identity(boot: members.first { $0.key == "boot" }?.value, seq: members.first { $0.key == "seq" }?.value)
            throw error.about(boot: named.boot, seq: named.seq)
        }
    }

    /// Seconds (RFC 8428 time) to ms since the epoch; times below 2^28 are relative to now.
    static func milliseconds(_ seconds: ExactDecimal, nowMillis: Int64, _ reject: (RejectionReason, String) -> Rejection) throws(Rejection) -> Int64 {
        guard let ms = DecimalArithmetic.scaledToInteger(seconds, by: 3) else {
            throw reject(.invalidTimestamp, "SenML time must be in seconds with at most millisecond precision")
        }
        let relative = seconds < ExactDecimal(1 << 28)
        let (sum, overflow) = nowMillis.addingReportingOverflow(ms)
        guard !relative || !overflow else { throw reject(.invalidTimestamp, "SenML time is out of range") }
        return relative ? sum : ms
    }
}

/// The base fields in force while reading a pack (RFC 8428 section 4.1).
struct SenMLBase {
    var name = ""
    var time = ExactDecimal(0)
    var unit: String?
    var value = ExactDecimal(0)
}

/// One SenML record resolved against the base fields before it.
struct SenMLRecord {
    /// The metric key (or `seq`/`boot`); nil for a record that only sets base fields.
    let key: String?
    let time: ExactDecimal
    let value: ExactDecimal
    let unit: String?

    /// The SenML version this decoder implements (RFC 8428 section 4.4).
    static let version: Int64 = 10

    init(_ record: JSONObject, index i: Int, base: inout SenMLBase, device: String) throws(Rejection) {
        func reject(_ reason: RejectionReason, _ detail: String) -> Rejection {
            Rejection(reason: reason, detail: detail, device: device)
        }
        func number(_ label: String, _ v: JSONValue) throws(Rejection) -> ExactDecimal {
            guard case .number(let n) = v else { throw reject(.wrongType, "SenML \(label) in record \(i) must be a number") }
            guard let d = n.decimal else { throw reject(.outOfRange, "SenML \(label) in record \(i) is not an exact decimal of at most 18 digits") }
            return d
        }
        func string(_ label: String, _ v: JSONValue) throws(Rejection) -> String {
            guard case .string(let s) = v else { throw reject(.wrongType, "SenML \(label) in record \(i) must be a string") }
            return s
        }
        var name: String?, t = ExactDecimal(0), v: ExactDecimal?, u: String?
        for m in record.members {
            switch m.key {
            case "bn": base.name = try string("bn", m.value)
            case "bt": base.time = try number("bt", m.value)
            case "bu": base.unit = try string("bu", m.value)
            case "bv": base.value = try number("bv", m.value)
            case "bver":
                guard case .number(let n) = m.value, let ver = n.int64 else { throw reject(.wrongType, "SenML bver must be an integer") }
                guard ver <= Self.version else { throw reject(.unexpectedField, "SenML version \(ver) is newer than \(Self.version)") }
            case "bs", "ut": _ = try number(m.key, m.value)
            case "n": name = try string("n", m.value)
            case "t": t = try number("t", m.value)
            case "u": u = try string("u", m.value)
            case "v": v = try number("v", m.value)
            case "vs", "vb", "vd", "s":
                throw reject(.wrongType, "SenML record \(i): only numeric values (v) are accepted, not \(m.key)")
            default:
                // Section 4.4 / 12.2: labels ending in "_" must be understood; others are ignored.
                if m.key.hasSuffix("_") { throw reject(.unexpectedField, "SenML record \(i) has a must-understand field this gateway does not know") }
            }
        }
        guard let when = DecimalArithmetic.sum(base.time, t) else { throw reject(.invalidTimestamp, "SenML time in record \(i) overflows") }
        time = when
        unit = u ?? base.unit
        let resolved = base.name + (name ?? "")
        guard name != nil || v != nil else {
            key = nil
            value = ExactDecimal(0)
            return
        }
        guard let slash = resolved.lastIndex(of: "/"), resolved[..<slash] == device[...] else {
            throw reject(resolved.contains("/") ? .deviceMismatch : .unexpectedField,
                         "SenML names must be <device-id>/<metric> for the topic's device (record \(i))")
        }
        key = String(resolved[resolved.index(after: slash)...])
        guard let v else { throw reject(.missingField, "SenML record \(i) has no value (v)") }
        guard let total = DecimalArithmetic.sum(base.value, v) else { throw reject(.outOfRange, "SenML value in record \(i) overflows") }
        value = total
    }
}

/// The little exact arithmetic SenML needs (bt + t, bv + v, seconds → ms),
/// on ExactDecimal; nil when a result would not fit 18 significant digits.
enum DecimalArithmetic {
    static func sum(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal? {
        let e = min(a.exponent, b.exponent)
        guard let x = scaled(a, to: e), let y = scaled(b, to: e) else { return nil }
        let (s, overflow) = x.addingReportingOverflow(y)
        guard !overflow, s.magnitude < 1_000_000_000_000_000_000 else { return nil }
        return ExactDecimal(mantissa: s, exponent: e)
    }

    /// `d × 10^digits` if that is an integer (Int64), else nil.
    static func scaledToInteger(_ d: ExactDecimal, by digits: Int32) -> Int64? {
        scaled(d, to: -digits)
    }

    /// The mantissa of `d` written with exponent `e` (≤ d.exponent needs scaling up).
    static func scaled(_ d: ExactDecimal, to e: Int32) -> Int64? {
        var m = d.mantissa
        var x = d.exponent
        while x > e {
            let (p, overflow) = m.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            m = p
            x -= 1
        }
        while x < e {
            guard m % 10 == 0 else { return nil }
            m /= 10
            x += 1
        }
        return m
    }
}
