/// A block header with a partial Merkle tree proving that some transactions
/// are in that block: the serialized `CMerkleBlock` that `gettxoutproof`
/// returns (Bitcoin Core merkleblock.h; BIP 37 layout).
public struct MerkleBlock: Sendable {
    public let header: BlockHeader
    /// The number of transactions in the whole block.
    public let transactionCount: UInt32
    /// The tree's hashes in depth-first order, internal byte order.
    public let hashes: [[UInt8]]
    /// The traversal flag bits, packed least significant bit first.
    public let flagBytes: [UInt8]

    /// Parses one complete serialization; rejects trailing bytes.
    public init(parsing bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        header = try BlockHeader(reading: &reader)
        transactionCount = try reader.readUInt32("merkle block transaction count")
        let hashCount = try reader.readCompactSize("merkle block hash count")
        var hashes: [[UInt8]] = []
        for _ in 0..<hashCount { hashes.append(try reader.read(32, "merkle block hash")) }
        self.hashes = hashes
        flagBytes = try reader.readVarBytes("merkle block flag bytes")
        try reader.finish("merkle block")
    }

    /// Rebuilds the partial Merkle tree and returns the matched txids
    /// (internal byte order, in block order) when its root equals
    /// `header.merkleRoot`.
    ///
    /// Applies every check of merkleblock.cpp `CPartialMerkleTree::ExtractMatches`:
    /// a transaction count in 1...16666 (MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT),
    /// no more hashes than transactions, at least as many bits as hashes, no
    /// identical sibling pair (CVE-2012-2459), no bit or hash read past the end,
    /// every hash used and every flag byte used.
    public func verifiedMatches() throws(WireError) -> [[UInt8]] {
        var tree = PartialMerkleTree(transactionCount: Int(transactionCount), hashes: hashes, flagBytes: flagBytes)
        let (root, matches) = try tree.extractMatches()
        guard root == header.merkleRoot else {
            throw .invalidMerkleProof("the rebuilt root \(displayHex(root)) is not the header's merkle root \(displayHex(header.merkleRoot))")
        }
        return matches
    }
}
