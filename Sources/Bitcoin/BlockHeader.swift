/// An 80-byte block header (primitives/block.h `CBlockHeader`).
///
/// Litecoin identifies blocks by SHA256d of these 80 bytes, like Bitcoin;
/// scrypt is only its proof-of-work function, so `hash` is what RPC calls
/// the block hash.
public struct BlockHeader: Sendable, Equatable {
    public static let byteCount = 80

    /// The serialized header.
    public let bytes: [UInt8]
    public let version: Int32
    /// The previous block's hash, internal byte order.
    public let prevBlock: [UInt8]
    /// The root of the block's transaction Merkle tree (txids), internal byte order.
    public let merkleRoot: [UInt8]
    public let time: UInt32
    public let bits: UInt32
    public let nonce: UInt32

    /// Parses exactly 80 bytes.
    public init(parsing bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        try self.init(reading: &reader)
        try reader.finish("block header")
    }

    init(reading reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        version = Int32(bitPattern: try reader.readUInt32("header version"))
        prevBlock = try reader.read(32, "header previous block hash")
        merkleRoot = try reader.read(32, "header merkle root")
        time = try reader.readUInt32("header time")
        bits = try reader.readUInt32("header bits")
        nonce = try reader.readUInt32("header nonce")
        bytes = Array(reader.bytes[start..<reader.offset])
    }

    /// SHA256d of the 80 bytes, internal byte order.
    public var hash: [UInt8] { doubleSHA256(bytes) }

    /// The block hash as RPC shows it (byte-reversed hex).
    public var hashHex: String { displayHex(hash) }
}
