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
