import Codecs
import JSON

/// Why bytes could not be read as a Bitcoin wire structure, or why a proof
/// does not prove what it claims. Each message names the field at fault.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended while `field` was being read.
    case truncated(field: String)
    /// `count` bytes remained after a complete `structure`; serializations are exact.
    case trailingBytes(count: Int, after: String)
    /// A CompactSize length that is not minimally encoded or exceeds 0x02000000
    /// (Bitcoin Core serialize.h `ReadCompactSize`).
    case badCompactSize(field: String)
    /// A segwit marker followed by a flag other than 0x01 (BIP 144).
    case unsupportedSegwitFlag(UInt8)
    /// Litecoin's MWEB extension flag (0x08): its extension block data is not parsed here.
    case mwebUnsupported
    /// The structure parsed but breaks a serialization rule (`reason` says which).
    case malformed(String)
    /// A partial Merkle tree that does not verify (`reason` says which check failed).
    case invalidMerkleProof(String)
    /// Bytes that are not a `VGT1` anchor payload.
    case invalidAnchorPayload(String)

    public var description: String {
        switch self {
        case .truncated(let field): "input ends inside \(field)"
        case .trailingBytes(let count, let after): "\(count) unexpected byte(s) after the \(after)"
        case .badCompactSize(let field): "non-canonical or oversized CompactSize length for \(field)"
        case .unsupportedSegwitFlag(let flag): "unsupported transaction flag 0x\(Hex.encode([flag])) (only segwit 0x01 is known)"
        case .mwebUnsupported: "MWEB transaction (flag 0x08): extension-block transactions are not supported"
        case .malformed(let reason): "malformed: \(reason)"
        case .invalidMerkleProof(let reason): "invalid merkle proof: \(reason)"
        case .invalidAnchorPayload(let reason): "not a VGT1 anchor payload: \(reason)"
        }
    }
}
