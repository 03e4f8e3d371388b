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

extension PartialMerkleTree {
    /// The same traversal as `extractMatches`, keeping the siblings along
    /// the way to `target`. Precondition: the tree was verified.
    mutating func path(to target: [UInt8]) throws(WireError) -> [MerklePathStep] {
        var height = 0
        while width(height) > 1 { height += 1 }
        guard let found = try walk(height: height, position: 0, target: target).path else {
            throw .invalidMerkleProof("txid \(displayHex(target)) is not a matched leaf")
        }
        return found
    }

    private mutating func walk(height: Int, position: Int, target: [UInt8]) throws(WireError) -> (hash: [UInt8], path: [MerklePathStep]?) {
        guard bitsUsed < bits.count else { throw .invalidMerkleProof("ran out of flag bits") }
        let parentOfMatch = bits[bitsUsed]
        bitsUsed += 1
        if height == 0 || !parentOfMatch {
            guard hashesUsed < hashes.count else { throw .invalidMerkleProof("ran out of hashes") }
            let hash = hashes[hashesUsed]
            hashesUsed += 1
            return (hash, height == 0 && parentOfMatch && hash == target ? [] : nil)
        }
        let left = try walk(height: height - 1, position: position * 2, target: target)
        var right = left
        if position * 2 + 1 < width(height - 1) {
            right = try walk(height: height - 1, position: position * 2 + 1, target: target)
        } else {
            right.path = nil
        }
        var path: [MerklePathStep]? = nil
        if let p = left.path { path = p + [MerklePathStep(sibling: right.hash, siblingIsLeft: false)] }
        if let p = right.path { path = p + [MerklePathStep(sibling: left.hash, siblingIsLeft: true)] }
        return (doubleSHA256(left.hash + right.hash), path)
    }
}
