import Codecs
import JSON

/// One access to the gateway's data (an export, a delivery, an enrolment, a
/// change of patient or configuration), recorded as a leaf of its Merkle log
/// so that checkpoints and anchors cover it like a reading (docs/audit.md).
///
/// Its leaf data (docs/encoding.md, "Access event leaves") is one flat JSON
/// object: `type`, `gateway`, `number` (1, 2, 3, … per gateway: a gap shows a
/// missing event), `ts`, a secret 16-byte `salt` and the kind's details,
/// keys sorted bytewise, no whitespace, strings escaped as `JSONText` does,
/// integers in plain decimal:
///
///     {"actor":"root","device":"ox-001","gateway":"ward3-gw1","number":3,"salt":"<32 hex>","ts":1764072000123,"type":"device-revoke"}
///
/// A reading never has `type` (reserved), and a key rotation's `type` is
/// `key-rotation`, which no access event may use: no byte string is two
/// kinds of leaf. The salt makes the leaf hash say nothing about the event
/// (device ids, times and patient references are guessable); the leaf is
/// stored sealed, so only its own proof bundle discloses it.
public struct AccessEvent: Sendable, Equatable {
    /// A detail's value: a string, or an integer.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int64)

        public var description: String {
            switch self {
            case .string(let s): s
            case .integer(let n): String(n)
            }
        }

        public var string: String? { if case .string(let s) = self { s } else { nil } }
        public var integer: Int64? { if case .integer(let n) = self { n } else { nil } }
    }

    /// The kinds this release records (docs/audit.md). A reader accepts any
    /// `type` of the right form, so later kinds still verify.
    public enum Kind: String, Sendable, CaseIterable {
        // Table-like data (duplicates): each kind's `type` as the access trail stores it: raw values, not logic.
        /// `export` of a proof bundle or an OpenTimestamps proof of one leaf.
        case exportBundle = "export-bundle"
        /// `export --fhir` of a device's Observations.
        case exportFHIR = "export-fhir"
        /// A delivery batch the clinic committed or refused.
        case delivery = "delivery"
        case deviceEnrol = "device-enrol"
        case deviceAssign = "device-assign"
        case deviceUnassign = "device-unassign"
        case deviceRevoke = "device-revoke"
        /// The agent started with settings other than those last recorded.
        case configChange = "config-change"
        /// A recorded event that could not be read back when its leaf was made
        /// (altered in the database): the trail says so instead of stopping.
        case unreadable = "unreadable-event"
    }

    /// Members every event has; details may not use these names.
    public static let reservedMembers: Set<String> = ["gateway", "number", "salt", "ts", "type"]
    /// The one `type` an access event may not have.
    public static let keyRotationType = KeyRotation.type
    /// 128 bits, as a reading's salt.
    public static let saltByteCount = 16

    public let type: String
    /// The gateway id (checkpoint origin `vitalgate/<gateway>`).
    public let gateway: String
    /// 1 for the gateway's first access event, then 2, 3, ... in log order.
    public let number: UInt64
    /// When it happened: milliseconds since the Unix epoch, gateway clock.
    public let ts: Int64
    public let details: [String: Value]

    /// Precondition: names valid (`isValidType`, `isValidDetailName`).
    public init(type: String, gateway: String, number: UInt64, ts: Int64, details: [String: Value]) {
        precondition(Self.isValidType(type), "access event type \(type)")
        precondition(details.keys.allSatisfy(Self.isValidDetailName), "access event detail names \(details.keys.sorted())")
        self.type = type
        self.gateway = gateway
        self.number = number
        self.ts = ts
        self.details = details
    }

    /// `[a-z][a-z0-9-]{0,31}`, and not `key-rotation`.
    public static func isValidType(_ type: String) -> Bool {
        type != keyRotationType && isName(type, extra: UInt8(ascii: "-"))
    }

    /// `[a-z][a-z0-9_]{0,31}`, and not a reserved member.
    public static func isValidDetailName(_ name: String) -> Bool {
        !reservedMembers.contains(name) && isName(name, extra: UInt8(ascii: "_"))
    }

    private static func isName(_ s: String, extra: UInt8) -> Bool {
        let b = Array(s.utf8)
        guard (1...32).contains(b.count), (97...122).contains(b[0]) else { return false }
        return b.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == extra }
    }

    /// Every member but the salt, by name.
    var members: [String: Value] {
        var all = details
        all["type"] = .string(type)
        all["gateway"] = .string(gateway)
        all["number"] = .integer(Int64(number))
        all["ts"] = .integer(ts)
        return all
    }

    /// The leaf data. Precondition: `salt` has `saltByteCount` bytes, drawn at
    /// random for this event alone.
    public func leafBytes(salt: [UInt8]) -> [UInt8] {
        precondition(salt.count == Self.saltByteCount, "an access event's salt is \(Self.saltByteCount) bytes")
        var all = members
        all["salt"] = .string(Hex.encode(salt))
        return Self.canonical(all)
    }

    /// Members sorted by their UTF-8 bytes, no whitespace (docs/encoding.md).
    static func canonical(_ members: [String: Value]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, key) in members.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch members[key]! {
            case .string(let s): JSONText.appendString(s, to: &out)
            case .integer(let n): JSONText.appendInteger(n, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The event and salt whose leaf is exactly `bytes`; any other spelling is
    /// rejected, so each event and salt has one leaf.
    public static func parseLeaf(_ bytes: [UInt8]) throws(FormatError) -> (event: AccessEvent, salt: [UInt8]) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw FormatError("not JSON: \(error)") }
        guard let object = json.object, case .string(let saltHex)? = try value(object["salt"], "salt"),
              let salt = Hex.decode(saltHex), salt.count == saltByteCount else {
            throw FormatError("an access event leaf has a `salt` of \(saltByteCount) bytes in hex")
        }
        let event = try AccessEvent(members: object, allowing: ["salt"])
        guard event.leafBytes(salt: salt) == bytes else {
            throw FormatError("the access event leaf is not in canonical form (docs/encoding.md)")
        }
        return (event, salt)
    }

    /// The event as a bundle's `event` member: every member but the salt, sorted.
    public var json: JSONValue {
        let all = members
        return .object(JSONObject(all.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).map { key in
            switch all[key]! {
            case .string(let s): (key: key, value: .string(s))
            case .integer(let n): (key: key, value: .int(n))
            }
        }))
    }

    /// Reads a bundle's `event` member (no salt).
    public init(json: JSONValue) throws(FormatError) {
        guard let object = json.object else { throw FormatError("`event` is not an object") }
        try self.init(members: object, allowing: [])
    }

    private init(members object: JSONObject, allowing extra: Set<String>) throws(FormatError) {
        var details: [String: Value] = [:]
        var seen = Set<String>()
        for (key, value) in object.members {
            guard seen.insert(key).inserted else { throw FormatError("member `\(key)` appears twice") }
            if Self.reservedMembers.contains(key) { continue }
            guard Self.isValidDetailName(key) else { throw FormatError("`\(key)` is not a detail name ([a-z][a-z0-9_]{0,31})") }
            details[key] = try Self.value(value, key)
        }
        for key in Self.reservedMembers.subtracting(extra).subtracting(["salt"]) where object[key] == nil {
            throw FormatError("an access event has `\(key)`")
        }
        if !extra.contains("salt"), object["salt"] != nil { throw FormatError("`event` carries no salt (the bundle's `salt` does)") }
        guard case .string(let type)? = try Self.value(object["type"], "type"), Self.isValidType(type) else {
            throw FormatError("`type` is not an access event type ([a-z][a-z0-9-]{0,31}, not \(Self.keyRotationType))")
        }
        guard case .string(let gateway)? = try Self.value(object["gateway"], "gateway"), !gateway.isEmpty,
              case .integer(let number)? = try Self.value(object["number"], "number"), number >= 1,
              case .integer(let ts)? = try Self.value(object["ts"], "ts") else {
            throw FormatError("an access event has a string `gateway`, an integer `number` from 1 and an integer `ts`")
        }
        self.init(type: type, gateway: gateway, number: UInt64(number), ts: ts, details: details)
    }

    private static func value(_ json: JSONValue?, _ name: String) throws(FormatError) -> Value? {
        switch json {
        case nil: return nil
        case .string(let s)?: return .string(s)
        case .number(let n)?:
            guard let i = n.int64 else { throw FormatError("`\(name)` is not an integer") }
            return .integer(i)
        default: throw FormatError("`\(name)` is neither a string nor an integer")
        }
    }
}

/// An access event as its writer records it, before the log gives it its
/// number: `type`, `ts` and details (docs/audit.md, "Who appends").
public struct AccessEventDraft: Sendable, Equatable {
    public let type: String
    public let ts: Int64
    public let details: [String: AccessEvent.Value]

    /// Precondition: valid names (see `AccessEvent`).
    public init(_ kind: AccessEvent.Kind, ts: Int64, details: [String: AccessEvent.Value]) {
        self.init(type: kind.rawValue, ts: ts, details: details)
    }

    public init(type: String, ts: Int64, details: [String: AccessEvent.Value]) {
        precondition(AccessEvent.isValidType(type) && details.keys.allSatisfy(AccessEvent.isValidDetailName))
        self.type = type
        self.ts = ts
        self.details = details
    }

    /// The event it becomes as leaf `number` of `gateway`'s log.
    public func event(gateway: String, number: UInt64) -> AccessEvent {
        AccessEvent(type: type, gateway: gateway, number: number, ts: ts, details: details)
    }

    /// Its stored form: canonical JSON of type, ts and details.
    public var bytes: [UInt8] {
        var all = details
        all["type"] = .string(type)
        all["ts"] = .integer(ts)
        return AccessEvent.canonical(all)
    }

    /// Reads `bytes`.
    public init(bytes: [UInt8]) throws(AccessEvent.FormatError) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw AccessEvent.FormatError("not JSON: \(error)") }
        guard let object = json.object, let type = object["type"]?.string, AccessEvent.isValidType(type),
              let ts = object["ts"]?.int64 else {
            throw AccessEvent.FormatError("a recorded access event has `type` and `ts`")
        }
        var details: [String: AccessEvent.Value] = [:]
        for (key, value) in object.members where key != "type" && key != "ts" {
            guard AccessEvent.isValidDetailName(key) else { throw AccessEvent.FormatError("`\(key)` is not a detail name") }
            switch value {
            case .string(let s): details[key] = .string(s)
            case .number(let n):
                guard let i = n.int64 else { throw AccessEvent.FormatError("`\(key)` is not an integer") }
                details[key] = .integer(i)
            default: throw AccessEvent.FormatError("`\(key)` is neither a string nor an integer")
            }
        }
        self.init(type: type, ts: ts, details: details)
    }
}
