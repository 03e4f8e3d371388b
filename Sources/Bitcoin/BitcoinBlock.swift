/// A block as `getblock <hash> 0` returns it (primitives/block.h `CBlock`):
/// the 80-byte header, then its transactions. What a monitor scans for
/// anchors (docs/audit.md).
public struct BitcoinBlock: Sendable {
    public let header: BlockHeader
    /// The transactions read, in block order (the coinbase first).
    public let transactions: [BitcoinTransaction]
    /// How many the block says it holds. Fewer were read when a transaction
    /// could not be parsed: Litecoin's MWEB integration transaction (flag
    /// 0x08) and extension block come last, after every ordinary transaction.
    public let declaredCount: Int

    /// Parses a serialized block. Stops at the first transaction this parser
    /// does not read (an MWEB one, see `declaredCount`); data after the
    /// transactions (Litecoin's extension block) is not read.
    public init(parsing bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        header = try BlockHeader(reading: &reader)
        declaredCount = try reader.readCompactSize("block transaction count")
        var transactions: [BitcoinTransaction] = []
        while transactions.count < declaredCount {
            do {
                transactions.append(try BitcoinTransaction(reading: &reader))
            } catch .mwebUnsupported {
                break
            }
        }
        self.transactions = transactions
        if transactions.count == declaredCount && declaredCount > 0 {
            // Every transaction read: they must be the header's Merkle tree.
            guard Self.merkleRoot(transactions.map(\.txid)) == header.merkleRoot else {
                throw .invalidMerkleProof("the block's transactions do not hash to its header's merkle root")
            }
        }
    }

    /// Bitcoin's block Merkle root (consensus/merkle.cpp `ComputeMerkleRoot`):
    /// SHA256d of pairs, the last one of an odd level paired with itself.
    static func merkleRoot(_ txids: [[UInt8]]) -> [UInt8] {
        var level = txids
        while level.count > 1 {
            if level.count % 2 == 1 { level.append(level.last!) }
            level = stride(from: 0, to: level.count, by: 2).map { doubleSHA256(level[$0] + level[$0 + 1]) }
        }
        return level.first ?? []
    }
}

/// One step of the path from a transaction to its block's Merkle root.
public struct MerklePathStep: Sendable, Equatable {
    /// The sibling's hash, internal byte order.
    public let sibling: [UInt8]
    /// True when the sibling is the left child: the parent is
    /// SHA256d(sibling || node), else SHA256d(node || sibling).
    public let siblingIsLeft: Bool
}

extension MerkleBlock {
    /// The path from `txid` (internal byte order) up to the header's Merkle
    /// root, leaf first, after `verifiedMatches()` has checked the tree.
    /// Throws when the proof does not hold `txid` as a match.
    public func path(to txid: [UInt8]) throws(WireError) -> [MerklePathStep] {
        let matches = try verifiedMatches()
        guard matches.contains(txid) else { throw .invalidMerkleProof("the proof does not include txid \(displayHex(txid))") }
        var tree = PartialMerkleTree(transactionCount: Int(transactionCount), hashes: hashes, flagBytes: flagBytes)
        return try tree.path(to: txid)
    }
}

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
        self = try ByteReader.whole(bytes, "block header", Self.init(reading:))
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

/// The depth-first traversal of merkleblock.cpp `CPartialMerkleTree`.
struct PartialMerkleTree {
    /// merkleblock.cpp: MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT (4 000 000 / 240).
    static let maxTransactions = 16_666

    let transactionCount: Int
    let hashes: [[UInt8]]
    let bits: [Bool]
    var bitsUsed = 0
    var hashesUsed = 0
    private var matches: [[UInt8]] = []

    init(transactionCount: Int, hashes: [[UInt8]], flagBytes: [UInt8]) {
        self.transactionCount = transactionCount
        self.hashes = hashes
        // Core unpacks vBits as bit (i % 8) of byte (i / 8).
        bits = flagBytes.flatMap { byte in (0..<8).map { byte >> $0 & 1 == 1 } }
    }

    /// Number of nodes at `height` (0 = leaves): CalcTreeWidth.
    func width(_ height: Int) -> Int {
        (transactionCount + (1 << height) - 1) >> height
    }

    mutating func extractMatches() throws(WireError) -> (root: [UInt8], matches: [[UInt8]]) {
        guard transactionCount > 0 else { throw .invalidMerkleProof("zero transactions") }
        guard transactionCount <= Self.maxTransactions else {
            throw .invalidMerkleProof("\(transactionCount) transactions is more than a block can hold")
        }
        guard hashes.count <= transactionCount else { throw .invalidMerkleProof("more hashes than transactions") }
        guard bits.count >= hashes.count else { throw .invalidMerkleProof("fewer flag bits than hashes") }
        var height = 0
        while width(height) > 1 { height += 1 }
        let root = try traverse(height: height, position: 0, target: nil).hash
        // Core compares whole bytes: padding bits in the last byte are not checked.
        guard (bitsUsed + 7) / 8 == (bits.count + 7) / 8 else { throw .invalidMerkleProof("unused flag bytes") }
        guard hashesUsed == hashes.count else { throw .invalidMerkleProof("unused hashes") }
        return (root, matches)
    }

    /// The same traversal as `extractMatches`, keeping the siblings along
    /// the way to `target`. Precondition: the tree was verified.
    mutating func path(to target: [UInt8]) throws(WireError) -> [MerklePathStep] {
        var height = 0
        while width(height) > 1 { height += 1 }
        guard let found = try traverse(height: height, position: 0, target: target).path else {
            throw .invalidMerkleProof("txid \(displayHex(target)) is not a matched leaf")
        }
        return found
    }

    /// One depth-first step: the node's hash, and with a `target` among its
    /// matched leaves, the path from that leaf up to this node.
    private mutating func traverse(height: Int, position: Int, target: [UInt8]?) throws(WireError) -> (hash: [UInt8], path: [MerklePathStep]?) {
        guard bitsUsed < bits.count else { throw .invalidMerkleProof("ran out of flag bits") }
        let parentOfMatch = bits[bitsUsed]
        bitsUsed += 1
        if height == 0 || !parentOfMatch {
            guard hashesUsed < hashes.count else { throw .invalidMerkleProof("ran out of hashes") }
            let hash = hashes[hashesUsed]
            hashesUsed += 1
            let matched = height == 0 && parentOfMatch
            if matched { matches.append(hash) }
            return (hash, matched && hash == target ? [] : nil)
        }
        let left = try traverse(height: height - 1, position: position * 2, target: target)
        var right: (hash: [UInt8], path: [MerklePathStep]?) = (left.hash, nil)
        if position * 2 + 1 < width(height - 1) {
            right = try traverse(height: height - 1, position: position * 2 + 1, target: target)
            // CVE-2012-2459: a duplicated right sibling would let a different
            // transaction list produce the same root.
            guard right.hash != left.hash else { throw .invalidMerkleProof("identical sibling hashes (CVE-2012-2459)") }
        }
        var path: [MerklePathStep]? = nil
        if let p = left.path { path = p + [MerklePathStep(sibling: right.hash, siblingIsLeft: false)] }
        if let p = right.path { path = p + [MerklePathStep(sibling: left.hash, siblingIsLeft: true)] }
        return (doubleSHA256(left.hash + right.hash), path)
    }
}
