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

        return try climb(from: leafHash, fn: index, sn: size - 1, proof: proof,
                         wrongLength: .wrongProofLength(expected: expected, got: proof.count))
    }

    /// The RFC's walk up the tree, which a consistency proof (2.1.4.2) takes
    /// too: fn is the node's position at its level, sn that of the tree's
    /// last node there; where they coincide the node is on the right border
    /// and has no right sibling at that level. Returns the root `node` and
    /// `proof` hash up to; `leftSibling` sees each proof hash joined on the
    /// left. Throws `wrongLength` when the proof ends before the root or goes past it.
    static func climb(
        from node: SHA256Digest, fn: UInt64, sn: UInt64, proof: some Sequence<SHA256Digest>, wrongLength: ProofError,
        leftSibling: (SHA256Digest) -> Void = { _ in }
    ) throws(ProofError) -> SHA256Digest {
        var fn = fn, sn = sn
        var r = node
        for p in proof {
            guard sn != 0 else { throw wrongLength }
            if fn & 1 == 1 || fn == sn {
                r = RFC9162.hashChildren(p, r)
                leftSibling(p)
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
        guard sn == 0 else { throw wrongLength }
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

/// Why a proof was not accepted, or could not be built.
public enum ProofError: Error, Equatable, CustomStringConvertible {
    /// The leaf index is not inside the tree (`index >= size`).
    case indexOutOfRange(index: UInt64, size: UInt64)
    /// The proof has the wrong number of hashes for these indices and sizes.
    case wrongProofLength(expected: Int, got: Int)
    /// The proof leads to a different (new) tree root than the trusted one.
    case rootMismatch(expected: SHA256Digest, computed: SHA256Digest)
    /// A consistency proof does not reproduce the trusted old root.
    case oldRootMismatch(expected: SHA256Digest, computed: SHA256Digest)
    /// A consistency proof was asked for from a larger tree to a smaller one.
    case sizeDecreased(oldSize: UInt64, newSize: UInt64)

    public var description: String {
        switch self {
        case let .indexOutOfRange(index, size):
            "leaf index \(index) is outside a tree of size \(size); indices run from 0 to size - 1"
        case let .wrongProofLength(expected, got):
            "the proof has \(got) hashes, but these indices and tree sizes need exactly \(expected); "
                + "check that the proof was made for the same index and tree size"
        case let .rootMismatch(expected, computed):
            "the proof leads to root \(computed.hex), not the trusted root \(expected.hex): "
                + "the leaf, the proof or the root is wrong"
        case let .oldRootMismatch(expected, computed):
            "the consistency proof reproduces old root \(computed.hex), not the trusted old root \(expected.hex)"
        case let .sizeDecreased(oldSize, newSize):
            "the old tree size \(oldSize) is larger than the new tree size \(newSize); a log only grows"
        }
    }
}
