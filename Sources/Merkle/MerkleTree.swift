import SHA2

/// Roots and proofs (RFC 9162 sections 2.1.1, 2.1.3.1, 2.1.4.1) computed from
/// stored perfect subtrees rather than from all leaves.
///
/// Why this works: `MTH(D[a:b])` for a range that starts on a multiple of a
/// power of two at least `b - a` splits, by the RFC's rule (largest power of
/// two smaller than the size), into perfect subtrees given by the 1 bits of
/// `b - a`, largest first. Every range the RFC's recursions visit has that
/// alignment, so each range hash is a right-to-left fold of at most 64 stored
/// nodes.
public enum MerkleTree {
    /// `MTH(D[0:size])`. `RFC9162.emptyRoot` for size 0.
    /// Requires every perfect node over leaves `< size`; makes O(log size) lookups.
    public static func root(size: UInt64, nodes: some PerfectSubtreeSource) throws -> SHA256Digest {
        size == 0 ? RFC9162.emptyRoot : try rangeRoot(from: 0, to: size, nodes: nodes)
    }

    /// `MTH(D[start:end])` for an aligned range: `start` is a multiple of the
    /// largest power of two `<= end - start`. Precondition: `start < end`.
    static func rangeRoot(from start: UInt64, to end: UInt64, nodes: some PerfectSubtreeSource) throws -> SHA256Digest {
        precondition(start < end, "empty range [\(start), \(end))")
        // The rightmost (smallest) perfect piece comes from the lowest 1 bit of
        // the size; fold leftwards: acc = H(piece, acc).
        var remaining = end - start
        var pieceEnd = end
        var accumulated: SHA256Digest? = nil
        while remaining != 0 {
            let level = remaining.trailingZeroBitCount
            pieceEnd -= 1 << UInt64(level)
            let piece = try nodes.perfectSubtree(level: level, index: pieceEnd >> UInt64(level))
            accumulated = accumulated.map { RFC9162.hashChildren(piece, $0) } ?? piece
            remaining &= remaining - 1
        }
        return accumulated!
    }

    /// The perfect subtree over `[start, start + width)`, `width` a power of two.
    static func perfectRange(from start: UInt64, width: UInt64, nodes: some PerfectSubtreeSource) throws -> SHA256Digest {
        let level = width.trailingZeroBitCount
        return try nodes.perfectSubtree(level: level, index: start >> UInt64(level))
    }
}

extension MerkleTree {
    /// `PATH(index, D[0:size])` of RFC 9162 section 2.1.3.1: the sibling hashes
    /// from the leaf up to the root (leaf-to-root order, as the verifier of
    /// section 2.1.3.2 consumes them).
    ///
    /// Throws `ProofError.indexOutOfRange` unless `index < size`, or the
    /// source's error if a node is missing. Makes O(log size) lookups.
    public static func inclusionProof(
        index: UInt64, size: UInt64, nodes: some PerfectSubtreeSource
    ) throws -> [SHA256Digest] {
        guard index < size else { throw ProofError.indexOutOfRange(index: index, size: size) }
        // Walk down from the root, following the RFC's recursion:
        //   m < k:  PATH(m, D[0:k]) : MTH(D[k:n])
        //   m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k])
        // Each step contributes the sibling; the walk yields them root-first.
        var start: UInt64 = 0, end = size
        var siblings: [SHA256Digest] = []
        siblings.reserveCapacity(TreeArithmetic.inclusionProofLength(index: index, size: size))
        while end - start > 1 {
            let k = TreeArithmetic.splitPoint(end - start)
            if index < start + k {
                // After the first step left the range is perfect, so this
                // full range fold only ever runs along the right border.
                siblings.append(try rangeRoot(from: start + k, to: end, nodes: nodes))
                end = start + k
            } else {
                siblings.append(try perfectRange(from: start, width: k, nodes: nodes))
                start += k
            }
        }
        return siblings.reversed()
    }
}

extension MerkleTree {
    /// `PROOF(oldSize, D[0:newSize])` of RFC 9162 section 2.1.4.1, in the order
    /// the verifier of section 2.1.4.2 consumes it.
    ///
    /// Empty when `oldSize` is 0 or equal to `newSize` (nothing to prove).
    /// Throws `ProofError.sizeDecreased` if `oldSize > newSize`, or the
    /// source's error if a node is missing. Makes O(log newSize) lookups.
    public static func consistencyProof(
        oldSize: UInt64, newSize: UInt64, nodes: some PerfectSubtreeSource
    ) throws -> [SHA256Digest] {
        guard oldSize <= newSize else { throw ProofError.sizeDecreased(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0, oldSize < newSize else { return [] }
        // SUBPROOF(m, D[start:end], b), walked from the root down; m is the
        // absolute old size, `holdsOldRoot` is the RFC's flag b: true while
        // the range is a prefix of the new tree, whose MTH the verifier knows.
        var start: UInt64 = 0, end = newSize
        var holdsOldRoot = true
        var nodesRootFirst: [SHA256Digest] = []
        nodesRootFirst.reserveCapacity(TreeArithmetic.consistencyProofLength(oldSize: oldSize, newSize: newSize))
        while oldSize != end {
            let k = TreeArithmetic.splitPoint(end - start)
            if oldSize - start <= k {
                // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
                nodesRootFirst.append(try rangeRoot(from: start + k, to: end, nodes: nodes))
                end = start + k
            } else {
                // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
                nodesRootFirst.append(try perfectRange(from: start, width: k, nodes: nodes))
                start += k
                holdsOldRoot = false
            }
        }
        // m == n: SUBPROOF is {} when b is true, else {MTH(D[start:end])}.
        if !holdsOldRoot {
            nodesRootFirst.append(try rangeRoot(from: start, to: end, nodes: nodes))
        }
        return nodesRootFirst.reversed()
    }
}

/// The hashing of RFC 9162 section 2.1.1 (unchanged from RFC 6962 section 2.1),
/// with SHA-256 as the hash function. The one-byte prefixes separate leaf and
/// interior hashes so that a leaf can never be passed off as an interior node
/// (second-preimage resistance).
public enum RFC9162 {
    /// The leaf hash `SHA-256(0x00 || data)`.
    public static func hashLeaf(_ data: some Collection<UInt8>) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update($0) }
        hasher.update(data)
        return hasher.finalize()
    }

    /// The interior node hash `SHA-256(0x01 || left || right)`. Does not allocate.
    public static func hashChildren(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update($0) }
        left.withUnsafeBytes { hasher.update($0) }
        right.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// `MTH({})`, the root of the empty tree: the SHA-256 of the empty string (RFC 9162 section 2.1.1).
    public static let emptyRoot: SHA256Digest = SHA256.hash([UInt8]())
}

/// Index arithmetic shared by proof generation and verification.
enum TreeArithmetic {
    /// The largest power of two strictly smaller than `n`: the split point `k`
    /// of RFC 9162 section 2.1.1. Precondition: `n >= 2`.
    static func splitPoint(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "a tree of \(n) leaves has no split point")
        return 1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }

    /// The number of significant bits in `x` (0 for 0).
    static func bitLength(_ x: UInt64) -> Int { 64 - x.leadingZeroBitCount }

    static func isPowerOfTwo(_ x: UInt64) -> Bool { x != 0 && x & (x - 1) == 0 }

    /// The length of PATH(index, D[0:size]) (RFC 9162 section 2.1.3.1): the
    /// levels where index and size - 1 differ (the "inner" part, below the
    /// point where the leaf's path leaves the right border of the tree) plus
    /// one left sibling for each 1 bit of `index` above it (the "border" part).
    /// Precondition: `index < size`.
    static func inclusionProofLength(index: UInt64, size: UInt64) -> Int {
        let inner = bitLength(index ^ (size - 1))
        return inner + (index >> UInt64(inner)).nonzeroBitCount
    }

    /// The length of PROOF(oldSize, D[0:newSize]) (RFC 9162 section 2.1.4.1).
    /// Precondition: `0 < oldSize < newSize`.
    static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int {
        // The path of leaf oldSize - 1, minus the levels inside the largest
        // perfect subtree that ends at oldSize (its root is one proof node,
        // or is the old root itself when oldSize is a power of two).
        let fullInner = bitLength((oldSize - 1) ^ (newSize - 1))
        let border = ((oldSize - 1) >> UInt64(fullInner)).nonzeroBitCount
        let inner = fullInner - oldSize.trailingZeroBitCount
        return inner + border + (isPowerOfTwo(oldSize) ? 0 : 1)
    }
}
