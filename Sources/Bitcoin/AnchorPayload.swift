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

/// The few script forms this package reads (Bitcoin Core script/script.h opcodes).
enum Script {
    static let opReturn: UInt8 = 0x6a
    static let opPushData1: UInt8 = 0x4c
    static let opPushData2: UInt8 = 0x4d

    /// The data of `OP_RETURN <push>` when the push is a single direct push
    /// (opcodes 0x00-0x4b), OP_PUSHDATA1 or OP_PUSHDATA2 that ends the script
    /// exactly; nil for every other script (including OP_RETURN with several
    /// pushes, which anchors never use).
    static func opReturnPayload(_ script: [UInt8]) -> [UInt8]? {
        guard script.first == opReturn, script.count >= 2 else { return nil }
        let opcode = script[1]
        let length: Int
        let start: Int
        switch opcode {
        case 0x00...0x4b:
            length = Int(opcode); start = 2
        case opPushData1:
            guard script.count >= 3 else { return nil }
            length = Int(script[2]); start = 3
        case opPushData2:
            guard script.count >= 4 else { return nil }
            length = Int(script[2]) | Int(script[3]) << 8; start = 4
        default:
            return nil
        }
        guard script.count == start + length else { return nil }
        return Array(script[start...])
    }
}

/// The size of an anchor transaction spending P2WPKH coins: `inputs` P2WPKH
/// inputs, one `OP_RETURN <payload>` output and `changeOutputs` P2WPKH outputs.
///
/// Counted from the wire format (primitives/transaction.h) so a fee can be
/// fixed before signing: version 4, input and output counts 1 each (below
/// 253), an input 41 stripped bytes (outpoint 36, empty scriptSig length 1,
/// sequence 4), an output 8 + script length + script, lock time 4; the
/// segwit marker and flag weigh 2; each P2WPKH witness is a 2-item count, a
/// DER signature with its sighash byte of at most 72 bytes and a 33-byte
/// compressed key, each with a length byte. The signature is taken at 72
/// bytes, so this is an upper bound (measured: 173 vB for 1 input, 1 change
/// output and the 52-byte VGT1 payload, the same as the bound).
public enum AnchorTransactionSize {
    /// Weight units, upper bound.
    /// - Precondition: `payloadBytes <= 75` (one direct push, the VGT1 payload is 52);
    ///   fewer than 253 inputs and outputs.
    public static func weight(inputs: Int = 1, changeOutputs: Int = 1, payloadBytes: Int = AnchorPayload.byteCount) -> Int {
        precondition(payloadBytes <= 75, "one direct push holds at most 75 bytes")
        precondition(inputs >= 1 && inputs < 253 && changeOutputs >= 0 && changeOutputs < 252)
        let opReturnScript = 1 + 1 + payloadBytes          // OP_RETURN, push opcode, data
        let p2wpkhScript = 22                               // OP_0 <20-byte key hash>
        var stripped = 4 + 1 + 1 + 4                        // version, input count, output count, lock time
        stripped += inputs * (32 + 4 + 1 + 4)
        stripped += 8 + 1 + opReturnScript
        stripped += changeOutputs * (8 + 1 + p2wpkhScript)
        let witness = 2 + inputs * (1 + (1 + 72) + (1 + 33))
        return 4 * stripped + witness
    }

    /// Virtual bytes (weight / 4, rounded up), upper bound.
    public static func virtualBytes(inputs: Int = 1, changeOutputs: Int = 1, payloadBytes: Int = AnchorPayload.byteCount) -> Int {
        (weight(inputs: inputs, changeOutputs: changeOutputs, payloadBytes: payloadBytes) + 3) / 4
    }
}

/// A fee rate in satoshis per 1000 virtual bytes, the unit Bitcoin Core's
/// policy uses (`-minrelaytxfee`, CFeeRate); settings and RPCs give it in
/// coins per kvB, as 1e-8 coins = 1 satoshi.
public struct FeeRate: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let satoshisPerKvB: Int64

    public init(satoshisPerKvB: Int64) {
        precondition(satoshisPerKvB >= 0, "a fee rate is not negative")
        self.satoshisPerKvB = satoshisPerKvB
    }

    /// From coins per kvB (e.g. `estimatesmartfee`'s `feerate`), rounded to the satoshi.
    /// - Precondition: `coinsPerKvB` is finite and >= 0.
    public init(coinsPerKvB: Double) {
        precondition(coinsPerKvB.isFinite && coinsPerKvB >= 0, "a fee rate is a finite non-negative amount")
        self.init(satoshisPerKvB: Int64((coinsPerKvB * 100_000_000).rounded()))
    }

    /// The fee for `virtualBytes`, rounded up so it never falls below the rate
    /// (Core's CFeeRate::GetFee rounds the same way).
    public func fee(virtualBytes: Int) -> Int64 {
        (satoshisPerKvB * Int64(virtualBytes) + 999) / 1000
    }

    /// This rate held within `[floor, cap]`.
    /// - Precondition: `floor <= cap`.
    public func clamped(floor: FeeRate, cap: FeeRate) -> FeeRate {
        precondition(floor <= cap, "fee rate floor above the cap")
        return min(max(self, floor), cap)
    }

    public static func < (a: FeeRate, b: FeeRate) -> Bool { a.satoshisPerKvB < b.satoshisPerKvB }

    /// Satoshis per vbyte, e.g. "1.5 sat/vB".
    public var description: String {
        let whole = satoshisPerKvB / 1000, thousandths = satoshisPerKvB % 1000
        guard thousandths != 0 else { return "\(whole) sat/vB" }
        var fraction = String(thousandths)
        while fraction.count < 3 { fraction = "0" + fraction }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction) sat/vB"
    }
}
