import Foundation
import Merkle
import SHA2
import SQLiteStore
import Testing
@testable import VitalgateAgent

/// The node table stores leaf hashes and inner nodes of levels 8, 16, …
/// (the rows tlog-tiles tiles are made of); the levels between are
/// recomputed. Checked against the in-memory tree (which keeps every node) at
/// every node, size and index of a 300-leaf log.
@Suite struct MerkleNodeTableTests {
    /// Runs `body` with a database in a scratch directory, removed afterwards;
    /// migrated to the newest schema unless `migrated` is false.
    /// `leaves` leaves appended through the table (as key rotations are), and the same in memory.
    private func fill(_ db: Database, _ leaves: Int) throws -> (MerkleNodeTable, InMemoryNodes) {
        let table = MerkleNodeTable(db)
        var memory = InMemoryNodes()
        var range = CompactRange()
        try db.transaction(.immediate) {
            for i in 0..<leaves {
                let leafHash = RFC9162.hashLeaf(Array("leaf \(i)".utf8))
                memory.append(leafHash: leafHash)
                try table.insert(range.append(leafHash))
            }
        }
        return (table, memory)
    }

    /// Every perfect subtree of levels 0...8 and every root up to `size` agree with the full tree.
    private func expectAgreement(_ table: MerkleNodeTable, _ memory: InMemoryNodes, size: UInt64) throws {
        for level in 0...8 {
            for index in 0..<(size >> UInt64(level)) {
                #expect(try table.perfectSubtree(level: level, index: index) == memory.perfectSubtree(level: level, index: index),
                        "level \(level) index \(index)")
            }
        }
        for size in UInt64(1)...size {
            #expect(try MerkleTree.root(size: size, nodes: table) == MerkleTree.root(size: size, nodes: memory), "size \(size)")
        }
    }

    @Test func everyPerfectSubtreeRootAndInclusionProofMatchesTheFullTree() throws {
        try withScratchDatabase("merkle-table") { db, _ in
            let (table, memory) = try fill(db, 300)
            #expect(try table.treeSize() == 300)
            try expectAgreement(table, memory, size: 300)
            for size in [UInt64(1), 2, 15, 16, 17, 255, 256, 300] {
                for index in 0..<size {
                    #expect(try MerkleTree.inclusionProof(index: index, size: size, nodes: table)
                            == MerkleTree.inclusionProof(index: index, size: size, nodes: memory), "index \(index) size \(size)")
                }
            }
        }
    }

    @Test func onlyLeafHashesAndEveryEighthLevelAreStored() throws {
        try withScratchDatabase("merkle-table") { db, _ in
            _ = try fill(db, 600)
            #expect(try db.scalar("SELECT COUNT(*) FROM merkle_nodes WHERE level = 0") == 600)
            // 600 leaves: two complete subtrees of level 8 (one per full tile of 256), nothing else.
            #expect(try db.prepare("SELECT level, idx FROM merkle_nodes WHERE level > 0 ORDER BY level, idx").rows { "\($0.int64(0))/\($0.int64(1))" }
                    == ["8/0", "8/1"])
        }
    }

    /// As the agent stores them: readings carry their leaf hash in their row,
    /// other leaves (every 37th here, like key rotations) in merkle_nodes.
    @Test func leafHashesFromReadingsAndOtherLeavesAgreeWithTheFullTree() throws {
        try withScratchDatabase("merkle-table") { db, _ in
            let table = MerkleNodeTable(db)
            var memory = InMemoryNodes()
            var range = CompactRange()
            try db.transaction(.immediate) {
                for i in 0..<300 {
                    let leafHash = RFC9162.hashLeaf(Array("leaf \(i)".utf8))
                    memory.append(leafHash: leafHash)
                    let completed = range.append(leafHash)
                    if i % 37 == 5 {
                        try table.insert(completed)
                    } else {
                        try db.prepare("INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash) VALUES (?, 'd', 0, ?, 0, 0, x'00', ?)")
                            .run(.integer(Int64(i)), .integer(Int64(i)), .blob(leafHash.bytes))
                        try table.insertAboveLeaves(completed)
                    }
                }
            }
            #expect(try table.treeSize() == 300)
            #expect(try db.scalar("SELECT COUNT(*) FROM merkle_nodes WHERE level = 0") == 8)
            try expectAgreement(table, memory, size: 300)
        }
    }

    /// Migration 6 moves the leaf hashes of readings into their rows and keeps other leaves' hashes.
    @Test func migrationSixMovesReadingLeafHashesIntoTheirRows() throws {
        try withScratchDatabase("merkle-table", migrated: false) { db, _ in
            for (version, sql) in Schema.migrations.prefix(5).enumerated() {
                try db.execute(sql)
                try db.setUserVersion(Int32(version + 1))
            }
            var memory = InMemoryNodes()
            var range = CompactRange()
            for i in 0..<40 {
                let leafHash = RFC9162.hashLeaf(Array("leaf \(i)".utf8))
                memory.append(leafHash: leafHash)
                for node in range.append(leafHash) where node.level == 0 || node.level >= 4 {
                    try db.prepare("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)")
                        .run(.integer(Int64(node.level)), .integer(Int64(node.index)), .blob(node.hash.bytes))
                }
                if i != 20 {  // leaf 20 is not a reading (a key rotation)
                    try db.prepare("INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf) VALUES (?, 'd', 0, ?, 0, 0, x'00')")
                        .run(.integer(Int64(i)), .integer(Int64(i)))
                }
            }
            try Schema.migrate(db)
            #expect(try db.scalar("SELECT COUNT(*) FROM readings WHERE leaf_hash IS NULL") == 0)
            #expect(try db.prepare("SELECT idx FROM merkle_nodes WHERE level = 0").rows { $0.int64(0) } == [20])
            let table = MerkleNodeTable(db)
            #expect(try table.treeSize() == 40)
            try expectAgreement(table, memory, size: 40)
        }
    }

    @Test func aMissingLeafHashIsReportedNotComputedAround() throws {
        try withScratchDatabase("merkle-table") { db, _ in
            let (table, memory) = try fill(db, 40)
            try db.execute("DELETE FROM merkle_nodes WHERE level = 0 AND idx = 5")
            #expect(throws: StoreError.self) { try table.perfectSubtree(level: 2, index: 1) }
            #expect(throws: StoreError.self) { try table.perfectSubtree(level: 0, index: 5) }
            // Subtrees beside the gap are still exact.
            #expect(try table.perfectSubtree(level: 2, index: 0) == memory.perfectSubtree(level: 2, index: 0))
            #expect(try table.perfectSubtree(level: 2, index: 2) == memory.perfectSubtree(level: 2, index: 2))
        }
    }
}
