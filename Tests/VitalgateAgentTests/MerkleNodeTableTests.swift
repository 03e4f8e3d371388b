import Foundation
import Merkle
import SHA2
import SQLiteStore
import Testing
@testable import VitalgateAgent

/// The node table stores leaf hashes and inner nodes of level 4 and up; the
/// levels between are recomputed. Checked against the in-memory tree (which
/// keeps every node) at every node, size and index of a 300-leaf log.
@Suite struct MerkleNodeTableTests {
    private func filled(_ leaves: Int) throws -> (MerkleNodeTable, InMemoryNodes, Database, String) {
        let dir = NSTemporaryDirectory() + "/merkle-table-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = try Database(path: dir + "/db.sqlite")
        try Schema.migrate(db)
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
        return (table, memory, db, dir)
    }

    @Test func everyPerfectSubtreeMatchesTheFullTree() throws {
        let (table, memory, _, dir) = try filled(300)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try table.treeSize() == 300)
        for level in 0...8 {
            for index in 0..<(UInt64(300) >> UInt64(level)) {
                #expect(try table.perfectSubtree(level: level, index: index) == memory.perfectSubtree(level: level, index: index),
                        "level \(level) index \(index)")
            }
        }
    }

    @Test func rootsAndInclusionProofsMatchAtEverySize() throws {
        let (table, memory, _, dir) = try filled(300)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for size in UInt64(1)...300 {
            #expect(try MerkleTree.root(size: size, nodes: table) == MerkleTree.root(size: size, nodes: memory), "size \(size)")
        }
        for size in [UInt64(1), 2, 15, 16, 17, 255, 256, 300] {
            for index in 0..<size {
                #expect(try MerkleTree.inclusionProof(index: index, size: size, nodes: table)
                        == MerkleTree.inclusionProof(index: index, size: size, nodes: memory), "index \(index) size \(size)")
            }
        }
    }

    @Test func levelsOneToThreeAreNotStored() throws {
        let (_, _, db, dir) = try filled(300)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try db.scalar("SELECT COUNT(*) FROM merkle_nodes WHERE level BETWEEN 1 AND 3") == 0)
        #expect(try db.scalar("SELECT COUNT(*) FROM merkle_nodes WHERE level = 0") == 300)
        // 300 leaves: 18 nodes of level 4, 9 of 5, 4 of 6, 2 of 7, 1 of 8.
        #expect(try db.scalar("SELECT COUNT(*) FROM merkle_nodes WHERE level >= 4") == 34)
    }

    /// As the agent stores them: readings carry their leaf hash in their row,
    /// other leaves (every 37th here, like key rotations) in merkle_nodes.
    @Test func leafHashesFromReadingsAndOtherLeavesAgreeWithTheFullTree() throws {
        let dir = NSTemporaryDirectory() + "/merkle-table-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database(path: dir + "/db.sqlite")
        try Schema.migrate(db)
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
        for level in 0...8 {
            for index in 0..<(UInt64(300) >> UInt64(level)) {
                #expect(try table.perfectSubtree(level: level, index: index) == memory.perfectSubtree(level: level, index: index),
                        "level \(level) index \(index)")
            }
        }
        for size in UInt64(1)...300 {
            #expect(try MerkleTree.root(size: size, nodes: table) == MerkleTree.root(size: size, nodes: memory), "size \(size)")
        }
    }

    /// Migration 6 moves the leaf hashes of readings into their rows and keeps other leaves' hashes.
    @Test func migrationSixMovesReadingLeafHashesIntoTheirRows() throws {
        let dir = NSTemporaryDirectory() + "/merkle-table-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database(path: dir + "/db.sqlite")
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
        for size in UInt64(1)...40 {
            #expect(try MerkleTree.root(size: size, nodes: table) == MerkleTree.root(size: size, nodes: memory), "size \(size)")
        }
    }

    @Test func aMissingLeafHashIsReportedNotComputedAround() throws {
        let (table, memory, db, dir) = try filled(40)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try db.execute("DELETE FROM merkle_nodes WHERE level = 0 AND idx = 5")
        #expect(throws: StoreError.self) { try table.perfectSubtree(level: 2, index: 1) }
        #expect(throws: StoreError.self) { try table.perfectSubtree(level: 0, index: 5) }
        // Subtrees beside the gap are still exact.
        #expect(try table.perfectSubtree(level: 2, index: 0) == memory.perfectSubtree(level: 2, index: 0))
        #expect(try table.perfectSubtree(level: 2, index: 2) == memory.perfectSubtree(level: 2, index: 2))
    }
}
