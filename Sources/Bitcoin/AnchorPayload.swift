import Codecs
import SHA2
import JSON

/// The 52 bytes an anchor transaction carries in its OP_RETURN output:
///
///     "VGT1" || tree size (UInt64, big-endian) || root hash (32 bytes)
///            || key fingerprint (first 8 bytes of SHA-256 of the gateway's
///               raw 32-byte Ed25519 public key)
///
/// 52 bytes fit Litecoin Core's 80-byte OP_RETURN relay limit (-datacarriersize).
public struct AnchorPayload: Sendable, Equatable {
    public static let magic: [UInt8] = Array("VGT1".utf8)
    public static let byteCount = 52

    /// The size of the Merkle log the root belongs to.
    public let treeSize: UInt64
    /// The RFC 9162 root hash of the log at `treeSize`.
    public let rootHash: [UInt8]
    /// First 8 bytes of SHA-256 of the gateway public key.
    public let keyFingerprint: [UInt8]

    /// - Precondition: `rootHash` and `gatewayPublicKey` are 32 bytes each.
    public init(treeSize: UInt64, rootHash: [UInt8], gatewayPublicKey: [UInt8]) {
        precondition(rootHash.count == 32, "an RFC 9162 SHA-256 root hash is 32 bytes")
        precondition(gatewayPublicKey.count == 32, "a raw Ed25519 public key is 32 bytes")
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.keyFingerprint = Self.keyFingerprint(of: gatewayPublicKey)
    }

    /// Reads exactly 52 bytes starting with "VGT1".
    public init(parsing bytes: [UInt8]) throws(WireError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidAnchorPayload("\(bytes.count) bytes, expected \(Self.byteCount)")
        }
        guard Array(bytes[0..<4]) == Self.magic else {
            throw .invalidAnchorPayload("magic is not \"VGT1\" (hex \(Hex.encode(bytes[0..<4])))")
        }
        treeSize = bytes[4..<12].reduce(0) { $0 << 8 | UInt64($1) }
        rootHash = Array(bytes[12..<44])
        keyFingerprint = Array(bytes[44..<52])
    }

    /// The 52 serialized bytes.
    public var bytes: [UInt8] {
        Self.magic + (0..<8).map { UInt8(truncatingIfNeeded: treeSize >> (56 - 8 * UInt64($0))) } + rootHash + keyFingerprint
    }

    /// The fingerprint a payload carries for `publicKey`: SHA-256(publicKey)[0..<8].
    public static func keyFingerprint(of publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(publicKey).bytes.prefix(8))
    }
}
