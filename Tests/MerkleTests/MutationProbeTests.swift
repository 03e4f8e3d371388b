import Merkle
import SHA2
import Testing

/// Every corruption of a valid proof must be rejected. The probe set follows
/// google/certificate-transparency merkle_tree_test.cc (VerifierCheck,
/// VerifierConsistencyCheck) and transparency-dev/merkle proof/verify_test.go,
/// plus single-bit flips anywhere in the proof, the leaf hash and the roots.
@Suite struct MutationProbeTests {
    static let log = sampleLog(count: 24)
    static let garbage = SHA256Digest(hex: "abacaba000000000000000000000000000000000000000000060061e00123456")!

    static func flipping(_ digest: SHA256Digest, bit: Int) -> SHA256Digest {
        var bytes = digest.bytes
        bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        return SHA256Digest(bytes: bytes)!
    }

    // MARK: Inclusion

    /// Checks the valid proof verifies and that every corruption of it does not.
    func probeInclusion(index: UInt64, size: UInt64, leaf: SHA256Digest, proof: [SHA256Digest], root: SHA256Digest,
                        bits: [Int]) {
        #expect(throws: Never.self, "valid proof \(index)/\(size)") {
            try InclusionProof.verify(index: index, size: size, leafHash: leaf, proof: proof, root: root)
        }
        func rejects(_ i: UInt64, _ s: UInt64, _ l: SHA256Digest, _ p: [SHA256Digest], _ r: SHA256Digest, _ what: String) {
            #expect(throws: ProofError.self, "\(what) accepted for index \(index), size \(size)") {
                try InclusionProof.verify(index: i, size: s, leafHash: l, proof: p, root: r)
            }
        }
        rejects(index &- 1, size, leaf, proof, root, "index - 1")
        rejects(index + 1, size, leaf, proof, root, "index + 1")
        rejects(index ^ 2, size, leaf, proof, root, "index ^ 2")
        rejects(index, size * 2, leaf, proof, root, "size * 2")
        rejects(index, size / 2, leaf, proof, root, "size / 2")
        rejects(index, size, leaf, proof, RFC9162.emptyRoot, "empty root")
        rejects(index, size, leaf, proof, Self.garbage, "unrelated root")
        rejects(index, size, leaf, proof + [Self.garbage], root, "trailing garbage")
        rejects(index, size, leaf, proof + [root], root, "trailing root")
        rejects(index, size, leaf, [Self.garbage] + proof, root, "preceding garbage")
        rejects(index, size, leaf, [root] + proof, root, "preceding root")
        if !proof.isEmpty {
            rejects(index, size, leaf, Array(proof.dropLast()), root, "truncated at the end")
            rejects(index, size, leaf, Array(proof.dropFirst()), root, "truncated at the start")
        }
        for bit in bits {
            rejects(index, size, Self.flipping(leaf, bit: bit), proof, root, "leaf bit \(bit)")
            rejects(index, size, leaf, proof, Self.flipping(root, bit: bit), "root bit \(bit)")
            for j in proof.indices {
                var wrong = proof
                wrong[j] = Self.flipping(wrong[j], bit: bit)
                rejects(index, size, leaf, wrong, root, "proof[\(j)] bit \(bit)")
            }
        }
    }

    @Test(arguments: 0..<PublishedVectorTests.inclusionProofs.count)
    func publishedInclusionProofEveryBit(_ i: Int) {
        let v = PublishedVectorTests.inclusionProofs[i]
        probeInclusion(
            index: v.index, size: v.size, leaf: PublishedVectorTests.leafHashes[Int(v.index)],
            proof: v.proof.map(PublishedVectorTests.digest),
            root: PublishedVectorTests.digest(PublishedVectorTests.roots[Int(v.size) - 1]), bits: Array(0..<256))
    }

    @Test func everyInclusionProofUpTo24Leaves() throws {
        let (leaves, nodes) = Self.log
        for size in 1...UInt64(24) {
            let root = try MerkleTree.root(size: size, nodes: nodes)
            for index in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: index, size: size, nodes: nodes)
                probeInclusion(index: index, size: size, leaf: leaves[Int(index)], proof: proof, root: root,
                               bits: [0, 255])
            }
        }
    }

    @Test func errorsSayWhatIsWrong() throws {
        let (leaves, nodes) = Self.log
        let proof = try MerkleTree.inclusionProof(index: 5, size: 8, nodes: nodes)
        let root = try MerkleTree.root(size: 8, nodes: nodes)
        #expect(throws: ProofError.indexOutOfRange(index: 8, size: 8)) {
            try InclusionProof.verify(index: 8, size: 8, leafHash: leaves[5], proof: proof, root: root)
        }
        #expect(throws: ProofError.wrongProofLength(expected: 3, got: 2)) {
            try InclusionProof.verify(index: 5, size: 8, leafHash: leaves[5], proof: Array(proof.dropLast()), root: root)
        }
        let computed = try InclusionProof.rootFromInclusionProof(index: 5, size: 8, leafHash: leaves[4], proof: proof)
        #expect(throws: ProofError.rootMismatch(expected: root, computed: computed)) {
            try InclusionProof.verify(index: 5, size: 8, leafHash: leaves[4], proof: proof, root: root)
        }
        #expect(throws: ProofError.indexOutOfRange(index: 3, size: 3)) {
            try MerkleTree.inclusionProof(index: 3, size: 3, nodes: nodes)
        }
        #expect(throws: ProofError.sizeDecreased(oldSize: 4, newSize: 3)) {
            try MerkleTree.consistencyProof(oldSize: 4, newSize: 3, nodes: nodes)
        }
        #expect(ProofError.rootMismatch(expected: root, computed: computed).description.contains(root.hex))
        #expect(ProofError.wrongProofLength(expected: 3, got: 2).description.contains("exactly 3"))
    }

    // MARK: Consistency

    func probeConsistency(old: UInt64, new: UInt64, oldRoot: SHA256Digest, newRoot: SHA256Digest,
                          proof: [SHA256Digest], bits: [Int]) {
        #expect(throws: Never.self, "valid proof \(old) -> \(new)") {
            try ConsistencyProof.verify(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
        }
        func rejects(_ o: UInt64, _ n: UInt64, _ r1: SHA256Digest, _ r2: SHA256Digest, _ p: [SHA256Digest], _ what: String) {
            #expect(throws: ProofError.self, "\(what) accepted for \(old) -> \(new)") {
                try ConsistencyProof.verify(oldSize: o, newSize: n, oldRoot: r1, newRoot: r2, proof: p)
            }
        }
        rejects(old - 1, new, oldRoot, newRoot, proof, "old size - 1")
        rejects(old + 1, new, oldRoot, newRoot, proof, "old size + 1")
        rejects(old ^ 2, new, oldRoot, newRoot, proof, "old size ^ 2")
        rejects(old, new * 2, oldRoot, newRoot, proof, "new size * 2")
        rejects(old, new / 2, oldRoot, newRoot, proof, "new size / 2")
        rejects(old, new, Self.garbage, newRoot, proof, "wrong old root")
        rejects(old, new, oldRoot, Self.garbage, proof, "wrong new root")
        rejects(old, new, newRoot, oldRoot, proof, "swapped roots")
        rejects(old, new, oldRoot, newRoot, [], "empty proof")
        rejects(old, new, oldRoot, newRoot, proof + [Self.garbage], "trailing garbage")
        rejects(old, new, oldRoot, newRoot, proof + [oldRoot], "trailing old root")
        rejects(old, new, oldRoot, newRoot, proof + [newRoot], "trailing new root")
        rejects(old, new, oldRoot, newRoot, [Self.garbage] + proof, "preceding garbage")
        rejects(old, new, oldRoot, newRoot, [oldRoot] + proof, "preceding old root")
        rejects(old, new, oldRoot, newRoot, [newRoot] + proof, "preceding new root")
        rejects(old, new, oldRoot, newRoot, [proof[0]] + proof, "preceding proof[0]")
        rejects(old, new, oldRoot, newRoot, Array(proof.dropLast()), "truncated proof")
        for bit in bits {
            rejects(old, new, Self.flipping(oldRoot, bit: bit), newRoot, proof, "old root bit \(bit)")
            rejects(old, new, oldRoot, Self.flipping(newRoot, bit: bit), proof, "new root bit \(bit)")
            for j in proof.indices {
                var wrong = proof
                wrong[j] = Self.flipping(wrong[j], bit: bit)
                rejects(old, new, oldRoot, newRoot, wrong, "proof[\(j)] bit \(bit)")
            }
        }
    }

    @Test(arguments: 1..<PublishedVectorTests.consistencyProofs.count)
    func publishedConsistencyProofEveryBit(_ i: Int) {
        let v = PublishedVectorTests.consistencyProofs[i]
        probeConsistency(
            old: v.oldSize, new: v.newSize,
            oldRoot: PublishedVectorTests.digest(PublishedVectorTests.roots[Int(v.oldSize) - 1]),
            newRoot: PublishedVectorTests.digest(PublishedVectorTests.roots[Int(v.newSize) - 1]),
            proof: v.proof.map(PublishedVectorTests.digest), bits: Array(0..<256))
    }

    @Test func everyConsistencyProofUpTo24Leaves() throws {
        let (_, nodes) = Self.log
        for new in 2...UInt64(24) {
            let newRoot = try MerkleTree.root(size: new, nodes: nodes)
            for old in 1..<new {
                let proof = try MerkleTree.consistencyProof(oldSize: old, newSize: new, nodes: nodes)
                probeConsistency(old: old, new: new, oldRoot: try MerkleTree.root(size: old, nodes: nodes),
                                 newRoot: newRoot, proof: proof, bits: [0, 255])
            }
        }
    }

    @Test func trivialConsistencyCases() throws {
        let (_, nodes) = Self.log
        let root5 = try MerkleTree.root(size: 5, nodes: nodes)
        // Equal sizes: empty proof and equal roots only.
        try ConsistencyProof.verify(oldSize: 5, newSize: 5, oldRoot: root5, newRoot: root5, proof: [])
        #expect(throws: ProofError.self) {
            try ConsistencyProof.verify(oldSize: 5, newSize: 5, oldRoot: root5, newRoot: Self.garbage, proof: [])
        }
        #expect(throws: ProofError.wrongProofLength(expected: 0, got: 1)) {
            try ConsistencyProof.verify(oldSize: 5, newSize: 5, oldRoot: root5, newRoot: root5, proof: [root5])
        }
        // The empty tree is a prefix of every tree, but only under its true root.
        try ConsistencyProof.verify(oldSize: 0, newSize: 5, oldRoot: RFC9162.emptyRoot, newRoot: root5, proof: [])
        #expect(throws: ProofError.self) {
            try ConsistencyProof.verify(oldSize: 0, newSize: 5, oldRoot: Self.garbage, newRoot: root5, proof: [])
        }
        #expect(throws: ProofError.sizeDecreased(oldSize: 6, newSize: 5)) {
            try ConsistencyProof.verify(oldSize: 6, newSize: 5, oldRoot: root5, newRoot: root5, proof: [])
        }
        #expect(try MerkleTree.consistencyProof(oldSize: 0, newSize: 5, nodes: nodes).isEmpty)
        #expect(try MerkleTree.consistencyProof(oldSize: 5, newSize: 5, nodes: nodes).isEmpty)
    }
}
