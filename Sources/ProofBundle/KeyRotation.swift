import Codecs
import JSON

/// A gateway key rotation statement: the old key names the new one. Its
/// canonical encoding (docs/encoding.md, "Key rotation leaves") is both the
/// message the old key signs and a leaf of the gateway's Merkle log:
///
///     {"gateway":"ward3-gw1","new_key":"<64 hex>","old_key":"<64 hex>","seq":1,"ts":1764072000123,"type":"key-rotation"}
///
/// Keys sorted bytewise, no whitespace, lowercase hex, plain decimal
/// integers. A reading's leaf never has a `type` member (it is reserved), so
/// the two kinds of leaf cannot be confused; a C2SP note body starts with its
/// origin, never `{`, so a rotation signature is never a checkpoint signature.
public struct KeyRotation: Sendable, Equatable {
    public static let type = "key-rotation"

    /// The gateway id (checkpoint origin `vitalgate/<gateway>`).
    public let gateway: String
    /// 1 for the first rotation after provisioning, then 2, 3, ...
    public let seq: UInt64
    /// Milliseconds since the Unix epoch, gateway clock.
    public let ts: Int64
    public let oldKey: [UInt8]
    public let newKey: [UInt8]

    /// Preconditions: both keys are 32 bytes; `gateway` needs no JSON escaping
    /// (gateway ids are `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`).
    public init(gateway: String, seq: UInt64, ts: Int64, oldKey: [UInt8], newKey: [UInt8]) {
        precondition(oldKey.count == 32 && newKey.count == 32, "Ed25519 public keys have 32 bytes")
        self.gateway = gateway
        self.seq = seq
        self.ts = ts
        self.oldKey = oldKey
        self.newKey = newKey
    }

    public func canonicalEncoding() -> [UInt8] {
        Array(("{\"gateway\":\"\(gateway)\",\"new_key\":\"\(Hex.encode(newKey))\",\"old_key\":\"\(Hex.encode(oldKey))\","
            + "\"seq\":\(seq),\"ts\":\(ts),\"type\":\"\(Self.type)\"}").utf8)
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses a statement and requires `bytes` to be exactly its canonical
    /// encoding, so each statement has one spelling.
    public init(canonicalEncoding bytes: [UInt8]) throws(FormatError) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw FormatError(description: "not JSON: \(error)") }
        guard let object = json.object, object.members.count == 6, object["type"]?.string == Self.type,
              let gateway = object["gateway"]?.string, !gateway.isEmpty,
              let seq = object["seq"]?.uint64, let ts = object["ts"]?.int64,
              let old = object["old_key"]?.string.flatMap(Hex.decode), old.count == 32,
              let new = object["new_key"]?.string.flatMap(Hex.decode), new.count == 32
        else {
            throw FormatError(description: "not a key-rotation statement with gateway, seq, ts, old_key, new_key")
        }
        self.init(gateway: gateway, seq: seq, ts: ts, oldKey: old, newKey: new)
        guard canonicalEncoding() == bytes else {
            throw FormatError(description: "the statement is not in canonical form (docs/encoding.md)")
        }
    }
}

/// One link of a bundle's key chain: a rotation statement, the old key's
/// Ed25519 signature over its canonical encoding, and its log position.
public struct KeyChainLink: Sendable, Equatable {
    public var statement: [UInt8]
    public var signature: [UInt8]
    public var leafIndex: UInt64

    public init(statement: [UInt8], signature: [UInt8], leafIndex: UInt64) {
        self.statement = statement
        self.signature = signature
        self.leafIndex = leafIndex
    }
}
