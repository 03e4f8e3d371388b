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
        let root = try traverse(height: height, position: 0)
        // Core compares whole bytes: padding bits in the last byte are not checked.
        guard (bitsUsed + 7) / 8 == (bits.count + 7) / 8 else { throw .invalidMerkleProof("unused flag bytes") }
        guard hashesUsed == hashes.count else { throw .invalidMerkleProof("unused hashes") }
        return (root, matches)
    }

    private mutating func traverse(height: Int, position: Int) throws(WireError) -> [UInt8] {
        guard bitsUsed < bits.count else { throw .invalidMerkleProof("ran out of flag bits") }
        let parentOfMatch = bits[bitsUsed]
        bitsUsed += 1
        if height == 0 || !parentOfMatch {
            guard hashesUsed < hashes.count else { throw .invalidMerkleProof("ran out of hashes") }
            let hash = hashes[hashesUsed]
            hashesUsed += 1
            if height == 0 && parentOfMatch { matches.append(hash) }
            return hash
        }
        let left = try traverse(height: height - 1, position: position * 2)
        var right = left
        if position * 2 + 1 < width(height - 1) {
            right = try traverse(height: height - 1, position: position * 2 + 1)
            // CVE-2012-2459: a duplicated right sibling would let a different
            // transaction list produce the same root.
            guard right != left else { throw .invalidMerkleProof("identical sibling hashes (CVE-2012-2459)") }
        }
        return doubleSHA256(left + right)
    }
}
