import Merkle
import SHA2
import Testing

/// The tile math (C2SP tlog-tiles) against a naive reference: tiles cut
/// from `ReferenceTree.mth` of every aligned leaf range, counted by brute
/// force, and every root and proof `TiledNodes` makes from them against
/// `ReferenceTree`. Small heights reach many tile levels with few leaves;
/// height 8 (tlog-tiles) is checked up to a full level-1 tile.
@Suite struct TileTests {
    /// The naive tiles of `leaves`: at tile level L the hashes are MTH of
    /// leaves [i·w^L, (i+1)·w^L) for every i with the whole range present,
    /// grouped by w, the last group partial.
    static func naiveTiles(_ leaves: [SHA256Digest], height: Int) -> [TileCoordinate: [SHA256Digest]] {
        let layout = TileLayout(height: height), w = 1 << height
        var tiles: [TileCoordinate: [SHA256Digest]] = [:]
        var level = 0
        while true {
            var span = 1
            for _ in 0..<level { span *= w }
            var row: [SHA256Digest] = []
            var i = 0
            while (i + 1) * span <= leaves.count {
                row.append(ReferenceTree.mth(leaves[(i * span)..<((i + 1) * span)]))
                i += 1
            }
            if row.isEmpty { break }
            var start = 0
            while start < row.count {
                let chunk = Array(row[start..<min(start + w, row.count)])
                tiles[TileCoordinate(level: level, index: UInt64(start / w), width: chunk.count, layout: layout)] = chunk
                start += w
            }
            level += 1
        }
        return tiles
    }

    /// Tile rows served from naive tiles (the rightmost, partial tile of each level included).
    struct NaiveRows: TileRows {
        let height: Int
        let tiles: [TileCoordinate: [SHA256Digest]]
        func hashes(level: Int, from first: UInt64, count: Int) throws -> [SHA256Digest] {
            let tileLevel = level / height, index = first >> UInt64(height), offset = Int(first) & ((1 << height) - 1)
            guard let (_, hashes) = tiles.first(where: { $0.key.level == tileLevel && $0.key.index == index }),
                  offset + count <= hashes.count else { return [] }
            return Array(hashes[offset..<(offset + count)])
        }
    }

    @Test func indexPathsFollowTlogTiles() {
        #expect(TileCoordinate.indexPath(0) == "000")
        #expect(TileCoordinate.indexPath(7) == "007")
        #expect(TileCoordinate.indexPath(999) == "999")
        #expect(TileCoordinate.indexPath(1000) == "x001/000")
        #expect(TileCoordinate.indexPath(1_234_067) == "x001/x234/067")
        #expect(TileCoordinate(level: 0, index: 1_234_067, width: 256).path == "tile/0/x001/x234/067")
        #expect(TileCoordinate(level: 2, index: 5, width: 17).path == "tile/2/005.p/17")
        #expect(TileCoordinate(level: 1, index: 0, width: 256).byteCount == 8192)
    }

    @Test func tilesOfATreeAreTheNaiveOnes() {
        let (leaves, _) = sampleLog(count: 700)
        for height in [1, 2, 3, 4] {
            for n in [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257, 511, 512, 513, 700] {
                let naive = Self.naiveTiles(Array(leaves[..<n]), height: height)
                let layout = TileLayout(height: height)
                let listed = layout.tiles(treeSize: UInt64(n))
                #expect(Set(listed) == Set(naive.keys), "height \(height) size \(n)")
                #expect(listed.count == naive.count, "no tile listed twice")
                for level in 0..<8 {
                    #expect(layout.fullTiles(level: level, treeSize: UInt64(n))
                            == UInt64(naive.keys.filter { $0.level == level && !$0.isPartial }.count), "full tiles, height \(height) size \(n) level \(level)")
                }
            }
        }
    }

    @Test func everyNodeRootAndProofFromTilesAgreesWithTheReference() throws {
        let (leaves, _) = sampleLog(count: 300)
        for height in [1, 2, 3, 8] {
            for n in [1, 2, 3, 5, 8, 13, 16, 17, 31, 32, 33, 64, 100, 129, 256, 257, 300] {
                let slice = leaves[..<n]
                let nodes = TiledNodes(layout: TileLayout(height: height), rows: NaiveRows(height: height, tiles: Self.naiveTiles(Array(slice), height: height)))
                var level = 0
                while (1 << level) <= n {
                    for index in 0..<(n >> level) {
                        #expect(try nodes.perfectSubtree(level: level, index: UInt64(index))
                                == ReferenceTree.mth(slice[(index << level)..<((index + 1) << level)]), "height \(height) size \(n) node (\(level), \(index))")
                    }
                    level += 1
                }
                let root = ReferenceTree.mth(slice)
                #expect(try MerkleTree.root(size: UInt64(n), nodes: nodes) == root, "height \(height) size \(n)")
                for m in Set([0, n / 3, n / 2, n - 1]) {
                    #expect(try MerkleTree.inclusionProof(index: UInt64(m), size: UInt64(n), nodes: nodes) == ReferenceTree.path(m, slice))
                }
                if n > 1 {
                    for old in Set([1, n / 2, n - 1]) where old > 0 {
                        #expect(try MerkleTree.consistencyProof(oldSize: UInt64(old), newSize: UInt64(n), nodes: nodes) == ReferenceTree.proof(old, slice))
                    }
                }
            }
        }
    }

    /// tlog-tiles' height 8 across a full level-1 tile (65,536 leaves): every
    /// tile equals the naive one, and nodes, roots and proofs at the edges of
    /// level-0 and level-1 tiles agree with the full in-memory tree.
    @Test func heightEightAcrossAFullLevelOneTile() throws {
        let count = 65_536 + 300
        let (leaves, memory) = sampleLog(count: count)
        let layout = TileLayout.tlog
        var tiles: [TileCoordinate: [SHA256Digest]] = [:]
        for tile in layout.tiles(treeSize: UInt64(count)) {
            let span = 1 << tile.hashLevel
            tiles[tile] = (0..<tile.width).map { i in
                let start = (Int(tile.firstHash) + i) * span
                return tile.level == 0 ? leaves[start] : ReferenceTree.mth(leaves[start..<(start + span)])
            }
        }
        #expect(tiles.keys.filter { $0.level == 1 && !$0.isPartial }.count == 1)
        #expect(tiles.keys.filter { $0.level == 2 }.map(\.width) == [1])
        let nodes = TiledNodes(rows: NaiveRows(height: 8, tiles: tiles))
        for level in 0...16 {
            let n = UInt64(count) >> UInt64(level)
            for index in Set([0, 1, n / 2, n - 1]) where index < n {
                #expect(try nodes.perfectSubtree(level: level, index: index) == memory.perfectSubtree(level: level, index: index), "node (\(level), \(index))")
            }
        }
        for size in [UInt64(255), 256, 257, 65_535, 65_536, 65_537, UInt64(count)] {
            #expect(try MerkleTree.root(size: size, nodes: nodes) == MerkleTree.root(size: size, nodes: memory), "size \(size)")
            for index in Set([0, size / 2, size - 1]) {
                #expect(try MerkleTree.inclusionProof(index: index, size: size, nodes: nodes) == MerkleTree.inclusionProof(index: index, size: size, nodes: memory))
            }
        }
    }

    @Test func aTileHashMissingIsReportedAndBytesMustBeWholeHashes() throws {
        let (leaves, _) = sampleLog(count: 20)
        var tiles = Self.naiveTiles(leaves, height: 2)
        let gap = TileCoordinate(level: 0, index: 2, width: 4, layout: TileLayout(height: 2))
        tiles[gap] = nil
        let nodes = TiledNodes(layout: TileLayout(height: 2), rows: NaiveRows(height: 2, tiles: tiles))
        #expect(throws: MissingPerfectSubtree.self) { try nodes.perfectSubtree(level: 1, index: 4) }
        #expect(throws: MissingPerfectSubtree.self) { try MerkleTree.inclusionProof(index: 9, size: 20, nodes: nodes) }
        // Nodes above the gap come from the next tile level, which is intact: so does the root.
        #expect(try nodes.perfectSubtree(level: 2, index: 2) == ReferenceTree.mth(leaves[8..<12]))
        #expect(try MerkleTree.root(size: 20, nodes: nodes) == ReferenceTree.mth(leaves[...]))

        let bytes = Tiles.encode(leaves[0..<4])
        #expect(bytes.count == 128)
        #expect(Tiles.decode(bytes, expected: 4) == Array(leaves[0..<4]))
        #expect(Tiles.decode(Array(bytes.dropLast()), expected: 4) == nil)
        #expect(Tiles.decode(bytes + [0], expected: 4) == nil)
        #expect(Tiles.decode(bytes, expected: 3) == nil)
        #expect(Tiles.fold(leaves[0..<4]) == ReferenceTree.mth(leaves[0..<4]))
    }
}
