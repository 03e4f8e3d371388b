import SHA2

/// Verification of consistency proofs, RFC 9162 section 2.1.4.2.
public enum ConsistencyProof {
    /// Succeeds only if `proof` shows that the tree of `oldSize` leaves with
    /// root `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`.
    ///
    /// Equal sizes need an empty proof and equal roots. Old size 0 needs an
    /// empty proof and `oldRoot == RFC9162.emptyRoot` (every tree extends the
    /// empty tree, but a wrong claimed empty root is still an error).
    public static func verify(
        oldSize: UInt64, newSize: UInt64, oldRoot: SHA256Digest, newRoot: SHA256Digest, proof: [SHA256Digest]
    ) throws(ProofError) {
        guard oldSize <= newSize else { throw .sizeDecreased(oldSize: oldSize, newSize: newSize) }
        if oldSize == 0 || oldSize == newSize {
            guard proof.isEmpty else { throw .wrongProofLength(expected: 0, got: proof.count) }
            if oldSize == 0 {
                guard oldRoot == RFC9162.emptyRoot else {
                    throw .oldRootMismatch(expected: oldRoot, computed: RFC9162.emptyRoot)
                }
            } else {
                guard oldRoot == newRoot else { throw .rootMismatch(expected: newRoot, computed: oldRoot) }
            }
            return
        }
        let expected = TreeArithmetic.consistencyProofLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, got: proof.count) }

        // Step 2: when oldSize is a power of two the old tree is itself a
        // perfect subtree of the new one; its root seeds both hashes and is
        // not repeated in the proof.
        var rest = proof[...]
        let seed = TreeArithmetic.isPowerOfTwo(oldSize) ? oldRoot : rest.removeFirst()
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // The new root (sr) is the old tree's last node climbing the new
        // tree, as in an inclusion proof; the old root (fr) takes only the
        // left siblings, the old tree having nothing to the node's right.
        var fr = seed
        let sr = try InclusionProof.climb(from: seed, fn: fn, sn: sn, proof: rest,
                                          wrongLength: .wrongProofLength(expected: expected, got: proof.count)) {
            fr = RFC9162.hashChildren($0, fr)
        }
        guard fr == oldRoot else { throw .oldRootMismatch(expected: oldRoot, computed: fr) }
        guard sr == newRoot else { throw .rootMismatch(expected: newRoot, computed: sr) }
    }
}
