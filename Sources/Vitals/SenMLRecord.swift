import JSON

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
