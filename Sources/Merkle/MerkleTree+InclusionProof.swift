import SHA2

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
