import SHA2

/// Verification of inclusion proofs, RFC 9162 section 2.1.3.2.
public enum InclusionProof {
    /// The root that `proof` and `leafHash` imply for leaf `index` of a tree of `size` leaves.
    ///
    /// Throws `indexOutOfRange` unless `index < size`, and `wrongProofLength`
    /// unless the proof has exactly the length PATH(index, D[0:size]) has.
    public static func rootFromInclusionProof(
        index: UInt64, size: UInt64, leafHash: SHA256Digest, proof: [SHA256Digest]
    ) throws(ProofError) -> SHA256Digest {
        guard index < size else { throw .indexOutOfRange(index: index, size: size) }
        let expected = TreeArithmetic.inclusionProofLength(index: index, size: size)
        guard proof.count == expected else { throw .wrongProofLength(expected: expected, got: proof.count) }

        // The RFC's algorithm: fn walks the leaf's position up the tree, sn
        // the position of the tree's last leaf; where they coincide the node
        // is on the right border and has no right sibling at that level.
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = RFC9162.hashChildren(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = RFC9162.hashChildren(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .wrongProofLength(expected: expected, got: proof.count) }
        return r
    }

    /// Succeeds only if `proof` shows that `leafHash` is leaf `index` of the
    /// tree of `size` leaves whose root is `root`.
    public static func verify(
        index: UInt64, size: UInt64, leafHash: SHA256Digest, proof: [SHA256Digest], root: SHA256Digest
    ) throws(ProofError) {
        let computed = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        guard computed == root else { throw .rootMismatch(expected: root, computed: computed) }
    }
}
