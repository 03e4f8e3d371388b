import Codecs
import JSON

extension Reading {
    /// The version 1 leaf data (docs/encoding.md): compact JSON of one flat
    /// object whose keys (`boot`, `device`, `seq`, `ts` and the metric keys)
    /// are sorted bytewise; integers in plain decimal; metric values in
    /// `ExactDecimal`'s canonical text. Keys and device IDs are drawn from
    /// sets that never need escaping, so the text is built directly.
    /// New leaves are salted (version 2, `ReadingLeaf`); this unsalted form is
    /// what logs written before hold, and what a reading is compared by.
    public func canonicalEncoding() -> [UInt8] {
        canonicalEncoding(salt: nil)
    }

    /// The leaf data with, when `salt` is given, a `salt` member holding it
    /// as lowercase hex, in its bytewise place among the keys (version 2).
    func canonicalEncoding(salt: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + 24 * metrics.count + (salt == nil ? 0 : 48))
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
        // The fixed keys in bytewise order ("boot" < "device" < "salt" < "seq" < "ts"),
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
        if let salt {
            metricsBefore("salt")
            key("salt")
            out.append(UInt8(ascii: "\""))
            Hex.append(salt, to: &out)
            out.append(UInt8(ascii: "\""))
        }
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

    /// The reading whose `canonicalEncoding()` is exactly `bytes` (a version 1
    /// leaf; `ReadingLeaf(bytes:)` reads either version). Anything else, even
    /// an equivalent JSON text (other key order, whitespace, `97.0` for `97`),
    /// is rejected: one reading, one leaf.
    public init(canonicalEncoding bytes: [UInt8]) throws(ReadingDecodingError) {
        let (reading, salt) = try Self.decodeLeaf(bytes)
        guard salt == nil else { throw ReadingDecodingError("leaf data has a salt: it is a version 2 leaf (docs/encoding.md)") }
        self = reading
    }

    /// The reading and salt (nil for version 1) whose encoding is exactly `bytes`.
    static func decodeLeaf(_ bytes: [UInt8]) throws(ReadingDecodingError) -> (Reading, [UInt8]?) {
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
        var salt: [UInt8]?
        if let value = object["salt"] {
            guard case .string(let text) = value, let bytes = Hex.decode(text), bytes.count == ReadingLeaf.saltByteCount else {
                throw ReadingDecodingError("salt must be \(ReadingLeaf.saltByteCount * 2) lowercase hex digits")
            }
            salt = bytes
        }
        let reading = try Reading(checking: object, metrics: metrics, bootRequired: true)
        // Also rejects a `type`, a `v` or an upper-case salt: none is ever written.
        guard reading.canonicalEncoding(salt: salt) == bytes else {
            throw ReadingDecodingError("leaf data is not in canonical form (see docs/encoding.md)")
        }
        return (reading, salt)
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
            guard let b = Reading.boot(value) else { throw ReadingDecodingError("boot must be an integer in 0...4294967295") }
            boot = b
        } else if bootRequired {
            throw ReadingDecodingError("boot is missing")
        } else {
            boot = 0
        }
        guard let seq = object["seq"].flatMap(Reading.seq) else { throw ReadingDecodingError("seq must be an integer in 0...2^53-1") }
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

/// A reading as a leaf of the gateway's Merkle log (docs/encoding.md).
///
/// Version 2 commits to the reading together with a secret random salt of
/// `saltByteCount` bytes, drawn per reading. Vitals have little entropy (SpO2
/// 50...100 times heart rate 20...300 is 14,331 guesses), and a leaf's
/// device, boot, seq and time are known to whoever holds the database or a
/// neighbour's proof; without a salt its hash gives the values back. The
/// salt is stored sealed with the reading and disclosed only with it: in its
/// own proof bundle and in its FHIR Observations. Version 1 leaves, without
/// a salt, were written before; logs that hold them keep verifying.
public struct ReadingLeaf: Sendable, Equatable {
    /// 128 bits: a guess of the salt is as hopeless as a guess of a key.
    public static let saltByteCount = 16

    public let reading: Reading
    /// The secret salt; nil for a version 1 leaf.
    public let salt: [UInt8]?

    /// 1 (unsalted, before issue 11) or 2 (salted).
    public var version: Int { salt == nil ? 1 : 2 }

    /// A version 2 leaf. Precondition: `salt` has `saltByteCount` bytes,
    /// drawn at random for this reading alone.
    public init(reading: Reading, salt: [UInt8]) {
        precondition(salt.count == Self.saltByteCount, "a leaf salt is \(Self.saltByteCount) bytes")
        self.reading = reading
        self.salt = salt
    }

    /// A version 1 leaf: how logs written before salting hold readings.
    public init(version1 reading: Reading) {
        self.reading = reading
        self.salt = nil
    }

    /// The leaf data: the reading's canonical JSON, with a `salt` member in
    /// version 2. The leaf hash is RFC 9162's SHA-256(0x00 || bytes).
    public var bytes: [UInt8] { reading.canonicalEncoding(salt: salt) }

    /// The leaf whose `bytes` are exactly `bytes`, of either version; any
    /// other spelling is rejected (one reading and salt, one leaf).
    public init(bytes: [UInt8]) throws(ReadingDecodingError) {
        (reading, salt) = try Reading.decodeLeaf(bytes)
    }
}
