import JSON

extension Reading {
    /// The Merkle leaf data (docs/encoding.md): compact JSON of one flat
    /// object whose keys (`boot`, `device`, `seq`, `ts` and the metric keys)
    /// are sorted bytewise; integers in plain decimal; metric values in
    /// `ExactDecimal`'s canonical text. Keys and device IDs are drawn from
    /// sets that never need escaping, so the text is built directly.
    public func canonicalEncoding() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + 24 * metrics.count)
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ k: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out += k.utf8
            out += "\":".utf8
        }
        func metric(_ i: Int) {
            key(metrics[i].key)
            metrics[i].value.appendText(to: &out)
        }
        // The fixed keys in bytewise order ("boot" < "device" < "seq" < "ts"),
        // merged with the (already sorted) metric keys.
        var m = 0
        func metricsBefore(_ fixed: String) {
            while m < metrics.count, Identifier.bytewiseLess(metrics[m].key, fixed) {
                metric(m)
                m += 1
            }
        }
        metricsBefore("boot")
        key("boot")
        JSONText.appendInteger(UInt64(boot), to: &out)
        metricsBefore("device")
        key("device")
        out.append(UInt8(ascii: "\""))
        out += device.utf8
        out.append(UInt8(ascii: "\""))
        metricsBefore("seq")
        key("seq")
        JSONText.appendInteger(seq, to: &out)
        metricsBefore("ts")
        key("ts")
        JSONText.appendInteger(ts, to: &out)
        while m < metrics.count {
            metric(m)
            m += 1
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The reading whose `canonicalEncoding()` is exactly `bytes`. Anything
    /// else, even an equivalent JSON text (other key order, whitespace,
    /// `97.0` for `97`), is rejected: one reading, one leaf.
    public init(canonicalEncoding bytes: [UInt8]) throws(ReadingDecodingError) {
        let value: JSONValue
        do {
            var limits = JSONParser.Limits()
            limits.maxDepth = 1
            value = try JSONParser.parse(bytes, limits: limits)
        } catch {
            throw ReadingDecodingError("leaf data is not JSON: \(error)")
        }
        guard case .object(let object) = value else { throw ReadingDecodingError("leaf data is not a JSON object") }
        var metrics: [(key: String, value: ExactDecimal)] = []
        for member in object.members where !Identifier.reservedKeys.contains(member.key) {
            metrics.append((member.key, try Self.metricValue(member.key, member.value)))
        }
        try self.init(checking: object, metrics: metrics, bootRequired: true)
        guard canonicalEncoding() == bytes else { throw ReadingDecodingError("leaf data is not in canonical form (see docs/encoding.md)") }
    }

    static func metricValue(_ key: String, _ value: JSONValue) throws(ReadingDecodingError) -> ExactDecimal {
        guard Identifier.isMetricKey(key) else { throw ReadingDecodingError("member name is neither a reading field nor a valid metric key") }
        guard case .number(let n) = value, let d = n.decimal else {
            throw ReadingDecodingError("metric \(key) must be a number with at most 18 significant digits")
        }
        return d
    }

    /// Reads the identity fields from `object` and checks every precondition
    /// of `init(device:boot:seq:ts:metrics:)`, throwing instead of trapping.
    init(checking object: JSONObject, metrics: [(key: String, value: ExactDecimal)], bootRequired: Bool) throws(ReadingDecodingError) {
        guard case .string(let device) = object["device"], Identifier.isDeviceID(device) else {
            throw ReadingDecodingError("device must be a string matching [A-Za-z0-9][A-Za-z0-9._-]{0,63}")
        }
        let boot: UInt32
        if let value = object["boot"] {
            guard let b = value.uint64, let b32 = UInt32(exactly: b) else { throw ReadingDecodingError("boot must be an integer in 0...4294967295") }
            boot = b32
        } else if bootRequired {
            throw ReadingDecodingError("boot is missing")
        } else {
            boot = 0
        }
        guard let seq = object["seq"]?.uint64, seq <= Reading.maxSeq else { throw ReadingDecodingError("seq must be an integer in 0...2^53-1") }
        guard let ts = object["ts"]?.int64 else { throw ReadingDecodingError("ts must be a 64-bit integer") }
        guard !metrics.isEmpty else { throw ReadingDecodingError("a reading needs at least one metric") }
        var keys: Set<String> = []
        for metric in metrics where !keys.insert(metric.key).inserted {
            throw ReadingDecodingError("metric \(metric.key) appears twice")
        }
        // Every precondition of the public initializer is checked above (metric keys by the
        // callers), so only the sorting is left to do.
        self.init(validated: device, boot: boot, seq: seq, ts: ts, metrics: metrics)
    }
}
