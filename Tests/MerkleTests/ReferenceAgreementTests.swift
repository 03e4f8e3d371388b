import Merkle
import SHA2
import Testing

/// The stored-node implementation against the naive RFC transcription in
/// `ReferenceTree`: exhaustively for small trees, at random points (fixed
/// seed, so failures reproduce) for trees up to 2048 leaves.
@Suite struct ReferenceAgreementTests {
    static let log = sampleLog(count: 2048)

    @Test func everyIndexAndOldSizeUpTo40Leaves() throws {
        let (leaves, nodes) = Self.log
        for n in 1...40 {
            let size = UInt64(n)
            let root = ReferenceTree.mth(leaves[..<n])
            #expect(try MerkleTree.root(size: size, nodes: nodes) == root, "root, size \(n)")
            for m in 0..<n {
                let proof = try MerkleTree.inclusionProof(index: UInt64(m), size: size, nodes: nodes)
                #expect(proof == ReferenceTree.path(m, leaves[..<n]), "PATH(\(m), D[\(n)])")
                try InclusionProof.verify(index: UInt64(m), size: size, leafHash: leaves[m], proof: proof, root: root)
            }
            for old in 1..<n {
                let proof = try MerkleTree.consistencyProof(oldSize: UInt64(old), newSize: size, nodes: nodes)
                #expect(proof == ReferenceTree.proof(old, leaves[..<n]), "PROOF(\(old), D[\(n)])")
                try ConsistencyProof.verify(
                    oldSize: UInt64(old), newSize: size, oldRoot: ReferenceTree.mth(leaves[..<old]), newRoot: root,
                    proof: proof)
            }
        }
    }

    @Test func randomSizesUpTo2048() throws {
        let (leaves, nodes) = Self.log
        var random = SplitMix64(seed: 9162)
        var sizes = [1024, 1025, 2047, 2048]
        for _ in 0..<8 { sizes.append(Int.random(in: 41...2048, using: &random)) }
        for n in sizes {
            let size = UInt64(n)
            let root = ReferenceTree.mth(leaves[..<n])
            #expect(try MerkleTree.root(size: size, nodes: nodes) == root, "root, size \(n)")
            for m in [0, n - 1] + (0..<2).map({ _ in Int.random(in: 0..<n, using: &random) }) {
                let proof = try MerkleTree.inclusionProof(index: UInt64(m), size: size, nodes: nodes)
                #expect(proof == ReferenceTree.path(m, leaves[..<n]), "PATH(\(m), D[\(n)])")
                try InclusionProof.verify(index: UInt64(m), size: size, leafHash: leaves[m], proof: proof, root: root)
            }
            for old in [1, n - 1] + (0..<2).map({ _ in Int.random(in: 1..<n, using: &random) }) {
                let proof = try MerkleTree.consistencyProof(oldSize: UInt64(old), newSize: size, nodes: nodes)
                #expect(proof == ReferenceTree.proof(old, leaves[..<n]), "PROOF(\(old), D[\(n)])")
                try ConsistencyProof.verify(
                    oldSize: UInt64(old), newSize: size, oldRoot: ReferenceTree.mth(leaves[..<old]), newRoot: root,
                    proof: proof)
            }
        }
    }

    @Test func compactRangeRootMatchesStoredNodesAtEverySize() throws {
        let (leaves, nodes) = Self.log
        var range = CompactRange()
        for (i, leaf) in leaves.enumerated() {
            range.append(leaf)
            #expect(range.size == UInt64(i + 1))
            let size = UInt64(i + 1)
            // Every size would be O(n^2) for the reference; check it at a spread of sizes.
            if i < 70 || i % 97 == 0 || i == leaves.count - 1 {
                #expect(range.root() == ReferenceTree.mth(leaves[...i]), "reference, size \(size)")
            }
            #expect(try range.root() == MerkleTree.root(size: size, nodes: nodes), "stored nodes, size \(size)")
        }
    }
}
