import Codecs
import JSON
import SHA2

/// A cursor over serialized bytes. Integers are little-endian, as Bitcoin
/// Core's serialize.h writes them; every read checks bounds first, so a
/// hostile length can never read past the end or allocate ahead of the data.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .truncated(field: field) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readByte(_ field: String) throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads `width` bytes as an unsigned little-endian integer.
    mutating func readLittleEndian(_ width: Int, _ field: String) throws(WireError) -> UInt64 {
        let raw = try read(width, field)
        return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        UInt32(try readLittleEndian(4, field))
    }

    /// Bitcoin Core serialize.h `ReadCompactSize`: 1, 3, 5 or 9 bytes, the
    /// shortest form only, and at most MAX_SIZE (0x02000000).
    mutating func readCompactSize(_ field: String) throws(WireError) -> Int {
        let first = try readByte(field)
        let value: UInt64
        let minimum: UInt64
        switch first {
        case 0xfd: value = try readLittleEndian(2, field); minimum = 0xfd
        case 0xfe: value = try readLittleEndian(4, field); minimum = 0x1_0000
        case 0xff: value = try readLittleEndian(8, field); minimum = 0x1_0000_0000
        default: return Int(first)
        }
        guard value >= minimum, value <= 0x0200_0000 else { throw .badCompactSize(field: field) }
        return Int(value)
    }

    /// A CompactSize length followed by that many bytes.
    mutating func readVarBytes(_ field: String) throws(WireError) -> [UInt8] {
        try read(try readCompactSize(field), field)
    }

    /// Throws unless every byte was consumed.
    func finish(_ structure: String) throws(WireError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining, after: structure) }
    }

    /// `read` applied to the whole of `bytes`: what a structure's
    /// `init(parsing:)` is when its `init(reading:)` also reads it inside a
    /// larger one (a header in a block, a transaction in a block).
    static func whole<T>(_ bytes: [UInt8], _ structure: String,
                         _ read: (inout ByteReader) throws(WireError) -> T) throws(WireError) -> T {
        var reader = ByteReader(bytes)
        let value = try read(&reader)
        try reader.finish(structure)
        return value
    }
}

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

/// SHA256(SHA256(bytes)): Bitcoin's hash for txids, block hashes and Merkle
/// nodes (Bitcoin Core hash.h `CHash256`).
func doubleSHA256(_ bytes: some Collection<UInt8>) -> [UInt8] {
    // The inner digest is hashed from its inline storage: no intermediate array.
    SHA256.hash(bytes).withUnsafeBytes { SHA256.hash($0) }.bytes
}

/// Internal byte order to the order RPC shows (uint256::GetHex prints bytes reversed).
func displayHex(_ internalOrder: [UInt8]) -> String {
    Hex.encode(internalOrder.reversed())
}
