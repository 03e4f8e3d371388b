import Foundation
import Merkle
import SHA2
import SQLiteStore
import Testing
import TestSupport
@testable import VitalgateAgent

/// The log's hashes after their readings are pruned (docs/storage.md): full
/// tiles kept in the database or handed to an archive folder, and every
/// node, root and proof still equal to the full in-memory tree; an archive
/// that is missing or altered makes the proof fail with its reason.
@Suite struct TileStorageTests {
    /// A migrated database in a scratch folder, and that folder (for an archive).
    /// `count` leaves as the agent stores them: readings with their hash in
    /// their row, every 37th leaf another kind (in merkle_nodes), and the same in memory.
    private func fill(_ db: Database, _ count: Int) throws -> InMemoryNodes {
        let table = MerkleNodeTable(db)
        var memory = InMemoryNodes()
        var range = CompactRange()
        try db.transaction(.immediate) {
            for i in 0..<count {
                let leafHash = RFC9162.hashLeaf(Array("leaf \(i)".utf8))
                memory.append(leafHash: leafHash)
                let completed = range.append(leafHash)
                if i % 37 == 5 {
                    try table.insert(completed)
                } else {
                    try db.prepare("INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash) VALUES (?, 'd', 0, ?, ?, 0, x'00', ?)")
                        .run(.integer(Int64(i)), .integer(Int64(i)), .integer(Int64(i)), .blob(leafHash.bytes))
                    try table.insertAboveLeaves(completed)
                }
            }
        }
        return memory
    }

    private func expectAgreement(_ table: MerkleNodeTable, _ memory: InMemoryNodes, size: UInt64) throws {
        for level in 0...9 {
            for index in 0..<(size >> UInt64(level)) {
                #expect(try table.perfectSubtree(level: level, index: index) == memory.perfectSubtree(level: level, index: index),
                        "level \(level) index \(index)")
            }
        }
        for s in [UInt64(1), 255, 256, 257, 511, 512, 513, size] {
            #expect(try MerkleTree.root(size: s, nodes: table) == MerkleTree.root(size: s, nodes: memory), "size \(s)")
            for index in Set([0, s / 3, s - 1]) {
                #expect(try MerkleTree.inclusionProof(index: index, size: s, nodes: table) == MerkleTree.inclusionProof(index: index, size: s, nodes: memory))
            }
        }
    }

    /// Tiles 0 and 1 kept in `tiles` (pruning without an archive), their readings gone.
    @Test func keptTilesReplaceTheirReadings() throws {
        try withScratchDatabase("tile-storage") { db, _ in
            let memory = try fill(db, 600)
            let table = MerkleNodeTable(db)
            for tile in UInt64(0)..<2 {
                let hashes = try table.fullTile(TileCoordinate(level: 0, index: tile, width: 256))
                try db.prepare("INSERT INTO tiles(level, idx, hashes) VALUES (0, ?, ?)").run(.integer(Int64(tile)), .blob(Tiles.encode(hashes)))
            }
            try db.execute("DELETE FROM readings WHERE leaf_index < 512")
            #expect(try db.scalar("SELECT COUNT(*) FROM readings") == Int64((512..<600).filter { $0 % 37 != 5 }.count))
            #expect(try MerkleNodeTable(db).treeSize() == 600)
            try expectAgreement(MerkleNodeTable(db), memory, size: 600)
            // Control: without the kept tile the hashes are gone, and that is reported.
            try db.execute("DELETE FROM tiles WHERE idx = 1")
            #expect(throws: StoreError.self) { try MerkleNodeTable(db).perfectSubtree(level: 0, index: 300) }
        }
    }

    @Test func archivedTilesAreCheckedAndAMissingOrAlteredOneIsReported() throws {
        try withScratchDatabase("tile-storage") { db, dir in
            let memory = try fill(db, 600)
            let archive = TileArchive(directory: dir.file("archive"))
            try FileManager.default.createDirectory(atPath: archive.directory, withIntermediateDirectories: true)
            try archive.claim(origin: "vitalgate/test", firstUse: true)
            let table = MerkleNodeTable(db)
            for tile in UInt64(0)..<2 {
                let coordinate = TileCoordinate(level: 0, index: tile, width: 256)
                try archive.store(coordinate, bytes: Tiles.encode(try table.fullTile(coordinate)))
            }
            #expect(FileManager.default.fileExists(atPath: archive.directory + "/tile/0/001"))
            #expect((try? Data(contentsOf: URL(fileURLWithPath: archive.directory + "/tile/0/000")))?.count == 8192)
            try TileArchiveState(db).setArchived(level: 0, 2)
            try db.execute("DELETE FROM readings WHERE leaf_index < 512")
            try db.execute("DELETE FROM merkle_nodes WHERE level = 0 AND idx < 512")

            // From the archive, every node and proof is the full tree's.
            try expectAgreement(MerkleNodeTable(db, archive: archive), memory, size: 600)

            // No archive configured: the reason, not a wrong hash.
            let unconfigured = #expect(throws: StoreError.self) { try MerkleNodeTable(db).perfectSubtree(level: 0, index: 300) }
            #expect(unconfigured?.description.contains("archive_dir") == true)

            // Altered: one bit of one hash.
            let file = archive.directory + "/tile/0/001"
            let original = try Data(contentsOf: URL(fileURLWithPath: file))
            var bent = original
            bent[100] ^= 0x01
            try bent.write(to: URL(fileURLWithPath: file))
            let altered = #expect(throws: TileArchive.Failure.self) { try MerkleNodeTable(db, archive: archive).perfectSubtree(level: 0, index: 300) }
            #expect(altered?.description.contains("does not match the log") == true)
            // A proof that needs the tile fails; one that does not still works (tile 0 is intact).
            #expect(throws: TileArchive.Failure.self) { try MerkleTree.inclusionProof(index: 300, size: 600, nodes: MerkleNodeTable(db, archive: archive)) }
            #expect(try MerkleTree.inclusionProof(index: 3, size: 600, nodes: MerkleNodeTable(db, archive: archive))
                    == MerkleTree.inclusionProof(index: 3, size: 600, nodes: memory))

            // Truncated.
            try original.prefix(8000).write(to: URL(fileURLWithPath: file))
            let truncated = #expect(throws: TileArchive.Failure.self) { try MerkleNodeTable(db, archive: archive).perfectSubtree(level: 0, index: 300) }
            #expect(truncated?.description.contains("not 8192") == true)

            // Missing (the folder not mounted).
            try FileManager.default.removeItem(atPath: file)
            let missing = #expect(throws: TileArchive.Failure.self) { try MerkleNodeTable(db, archive: archive).perfectSubtree(level: 0, index: 300) }
            #expect(missing?.description.contains("does not exist") == true)

            // Control: the original copy back, and the proof is made again.
            try original.write(to: URL(fileURLWithPath: file))
            #expect(try MerkleTree.inclusionProof(index: 300, size: 600, nodes: MerkleNodeTable(db, archive: archive))
                    == MerkleTree.inclusionProof(index: 300, size: 600, nodes: memory))
        }
    }

    @Test func anArchiveFolderIsClaimedOnceAndAnotherLogsIsRefused() throws {
        try withScratchDatabase("tile-storage") { _, dir in
            let folder = dir.file("share")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let archive = TileArchive(directory: folder)
            // Not first use: a folder without the identity file is not the archive (an empty mount point).
            #expect(throws: TileArchive.Failure.self) { try archive.claim(origin: "vitalgate/a", firstUse: false) }
            try archive.claim(origin: "vitalgate/a", firstUse: true)
            try archive.claim(origin: "vitalgate/a", firstUse: false)
            #expect(throws: TileArchive.Failure.self) { try archive.claim(origin: "vitalgate/b", firstUse: true) }
            // A tile is never rewritten with other bytes.
            let tile = TileCoordinate(level: 0, index: 7, width: 256)
            let bytes = [UInt8](repeating: 1, count: 8192)
            try archive.store(tile, bytes: bytes)
            try archive.store(tile, bytes: bytes)
            #expect(throws: TileArchive.Failure.self) { try archive.store(tile, bytes: [UInt8](repeating: 2, count: 8192)) }
            #expect(try archive.read(tile) == bytes)
        }
    }

    /// Migration 8 on a database as the release with the access trail
    /// (schema 7) stored it: inner nodes of levels 4 and up, readings unique
    /// on (device, boot, seq), and access-event leaves among the readings
    /// (their hashes at level 0 of merkle_nodes).
    @Test func migrationEightKeepsTheTileLevelsAndAccessEventsAndDropsTheUniqueIndex() throws {
        let dir = try TemporaryDirectory("tile-migration")
        defer { dir.remove() }
        let db = try Database(path: dir.file("db.sqlite"))
        for (version, sql) in Schema.migrations.prefix(7).enumerated() {
            try db.execute(sql)
            try db.setUserVersion(Int32(version + 1))
        }
        var memory = InMemoryNodes()
        var range = CompactRange()
        var events: [Int64] = []
        for i in 0..<700 {
            let leafHash = RFC9162.hashLeaf(Array("leaf \(i)".utf8))
            memory.append(leafHash: leafHash)
            for node in range.append(leafHash) where node.level >= 4 {
                try db.prepare("INSERT INTO merkle_nodes(level, idx, hash) VALUES (?, ?, ?)")
                    .run(.integer(Int64(node.level)), .integer(Int64(node.index)), .blob(node.hash.bytes))
            }
            if i % 97 == 5 {
                // An access event, as issue 16 appends them.
                try db.prepare("INSERT INTO merkle_nodes(level, idx, hash) VALUES (0, ?, ?)").run(.integer(Int64(i)), .blob(leafHash.bytes))
                try db.prepare("INSERT INTO audit_events(leaf_index, number, type, device, ts, leaf) VALUES (?, ?, 'export-bundle', NULL, 0, x'00')")
                    .run(.integer(Int64(i)), .integer(Int64(events.count + 1)))
                events.append(Int64(i))
                continue
            }
            try db.prepare("INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf, leaf_hash) VALUES (?, 'd', 0, ?, 0, 0, x'00', ?)")
                .run(.integer(Int64(i)), .integer(Int64(i)), .blob(leafHash.bytes))
        }
        try db.prepare("INSERT INTO deliveries(leaf_index, state, updated_at) VALUES (3, 'unassigned', 0)").run()
        try Schema.migrate(db)
        #expect(try db.userVersion() == 8)
        #expect(try db.prepare("SELECT DISTINCT level FROM merkle_nodes ORDER BY level").rows { $0.int64(0) } == [0, 8])
        #expect(try db.prepare("SELECT idx FROM merkle_nodes WHERE level = 0 ORDER BY idx").rows { $0.int64(0) } == events)
        #expect(try db.prepare("SELECT leaf_index FROM audit_events ORDER BY leaf_index").rows { $0.int64(0) } == events)
        #expect(try db.scalar("SELECT COUNT(*) FROM readings") == 700 - Int64(events.count))
        #expect(try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'readings' AND type = 'index'") == 0)
        #expect(try db.scalar("PRAGMA foreign_keys") == 1, "foreign keys are on again after the migration")
        // The delivery still refers to its reading, and the reference is still enforced.
        #expect(try db.prepare("PRAGMA foreign_key_check").rows { $0.text(0) ?? "" }.isEmpty)
        #expect(throws: (any Error).self) { try db.execute("DELETE FROM readings WHERE leaf_index = 3") }
        try expectAgreement(MerkleNodeTable(db), memory, size: 700)
    }
}
