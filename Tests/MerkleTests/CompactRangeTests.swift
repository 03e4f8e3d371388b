import Merkle
import SHA2
import Testing

@Suite struct CompactRangeTests {
    @Test func appendReturnsExactlyTheCompletedPerfectNodes() throws {
        let (leaves, nodes) = sampleLog(count: 300)
        var range = CompactRange()
        var persisted = 0
        for (n, leaf) in leaves.enumerated() {
            let completed = range.append(leaf)
            // Leaf n completes one node per trailing 1 bit of n, plus itself.
            #expect(completed.count == 1 + UInt64(n).trailingOneBitCount, "leaf \(n)")
            #expect(completed.first?.level == 0 && completed.first?.index == UInt64(n) && completed.first?.hash == leaf)
            for (offset, node) in completed.enumerated() {
                #expect(node.level == offset, "bottom-up order at leaf \(n)")
                #expect(node.index == UInt64(n) >> UInt64(offset))
                #expect(try node.hash == nodes.perfectSubtree(level: node.level, index: node.index))
            }
            persisted += completed.count
        }
        // A perfect binary forest over 300 leaves has 2 * 300 - popcount(300) nodes.
        #expect(persisted == 2 * 300 - 300.nonzeroBitCount)
    }

    @Test func restoreFromStoredNodesContinuesIdentically() throws {
        let (leaves, nodes) = sampleLog(count: 200)
        for size in [0, 1, 2, 3, 7, 8, 63, 64, 100, 150] {
            var restored = try CompactRange(size: UInt64(size), nodes: nodes)
            var fresh = CompactRange()
            for leaf in leaves[..<size] { fresh.append(leaf) }
            #expect(restored.size == UInt64(size))
            #expect(restored.root() == fresh.root(), "size \(size)")
            for leaf in leaves[size...] {
                #expect(restored.append(leaf).map(\.hash) == fresh.append(leaf).map(\.hash))
            }
            #expect(restored.root() == (try MerkleTree.root(size: 200, nodes: nodes)))
        }
    }

    @Test func restoreBeyondStoredLeavesReportsTheMissingNode() {
        let (_, nodes) = sampleLog(count: 5)
        #expect(throws: MissingPerfectSubtree(level: 3, index: 0)) {
            try CompactRange(size: 8, nodes: nodes)
        }
        #expect(throws: MissingPerfectSubtree.self) { try MerkleTree.root(size: 6, nodes: nodes) }
        #expect(throws: MissingPerfectSubtree.self) { try MerkleTree.inclusionProof(index: 0, size: 6, nodes: nodes) }
        #expect(throws: MissingPerfectSubtree.self) { try MerkleTree.consistencyProof(oldSize: 2, newSize: 6, nodes: nodes) }
    }
}

extension UInt64 {
    fileprivate var trailingOneBitCount: Int { (~self).trailingZeroBitCount }
}
