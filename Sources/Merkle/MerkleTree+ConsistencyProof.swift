import SHA2

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
