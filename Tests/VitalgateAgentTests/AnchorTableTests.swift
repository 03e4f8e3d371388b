import Foundation
import LedgerRPC
import SQLiteStore
import Testing
@testable import VitalgateAgent

/// The anchors schema migration and the logged state machine, on a real SQLite file.
@Suite struct AnchorTableTests {
    private func temporaryDatabase() throws -> (Database, String) {
        let dir = NSTemporaryDirectory() + "/anchor-table-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (try Database(path: dir + "/db.sqlite"), dir)
    }

    @Test func migrationTwoKeepsOldAnchorsUnderTheNewStateNames() throws {
        let (db, dir) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try db.execute(Schema.migrations[0])
        try db.setUserVersion(1)
        try db.execute("INSERT INTO checkpoints VALUES (5, x'00', 'note', 1)")
        for (i, state) in ["signed", "broadcast", "confirmed"].enumerated() {
            try db.execute("""
                INSERT INTO anchors(tree_size, payload, state, txid, raw_tx, confirmations, created_at, updated_at)
                VALUES (5, x'01', '\(state)', 'tx\(i)', x'02', \(i), 10, 10)
                """)
        }
        try Schema.migrate(db)
        let table = AnchorTable(db)
        #expect(try table.count(.pending) == 1 && table.count(.broadcast) == 1 && table.count(.final) == 1)
        #expect(try table.byTxid("tx2")?.target == "ledger")
        #expect(try table.largestAnchoredSize(target: "ledger") == 5)
        #expect(try db.userVersion() == Int32(Schema.migrations.count))
    }

    @Test func everyStateChangeIsLoggedAndDepthUpdatesAreNot() throws {
        let (db, dir) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Schema.migrate(db)
        try db.execute("INSERT INTO checkpoints VALUES (7, x'00', 'note', 1)")
        let table = AnchorTable(db)
        try table.insertPending(target: "ledger", treeSize: 7, payload: [1], txid: "aa", rawTx: [2], endpoint: "http://n:1",
                                inputTxid: nil, inputVout: nil, fee: 173, at: 1)
        func current() throws -> AnchorRecord { try #require(try table.byTxid("aa")) }
        try table.transition(try current(), to: .broadcast, block: nil, proof: nil, detail: "accepted", at: 2)
        let block = AnchorBlock(hash: "bb", height: 10, confirmations: 1)
        try table.transition(try current(), to: .confirmed, block: block, proof: nil, detail: "mined", at: 3)
        try table.transition(try current(), to: .confirmed, block: AnchorBlock(hash: "bb", height: 10, confirmations: 2),
                             proof: nil, detail: "deeper", at: 4)
        try table.transition(try current(), to: .final, block: block, proof: [9], detail: "deep", at: 5)
        #expect(try table.newestFinal(covering: 6)?.txoutProof == [9])
        #expect(try table.newestFinal(covering: 7) == nil)
        try table.transition(try current(), to: .broadcast, block: nil, proof: nil, detail: "block left", at: 6)
        #expect(try table.newestFinal(covering: 0) == nil)
        let anchor = try current()
        #expect(anchor.blockHash == nil && anchor.txoutProof == nil && anchor.confirmedAt == nil)
        let events = try table.events(anchorID: anchor.id).map { "\($0.from?.rawValue ?? "-")>\($0.to.rawValue)" }
        #expect(events == ["->pending", "pending>broadcast", "broadcast>confirmed", "confirmed>final", "final>broadcast"])
        // Abandoned anchors do not count as anchored.
        try table.transition(anchor, to: .abandoned, block: nil, proof: nil, detail: "refused", at: 7)
        #expect(try table.largestAnchoredSize(target: "ledger") == 0)
    }

    /// An anchor row and its pending event, on a migrated database with the checkpoint it anchors.
    private func anchored(_ db: Database) throws -> (AnchorTable, AnchorRecord) {
        try Schema.migrate(db)
        try db.execute("INSERT INTO checkpoints VALUES (7, x'00', 'note', 1)")
        let table = AnchorTable(db)
        try table.insertPending(target: "ledger", treeSize: 7, payload: [1], txid: "aa", rawTx: [2], endpoint: "http://n:1",
                                inputTxid: nil, inputVout: nil, fee: 173, at: 1)
        return (table, try #require(try table.byTxid("aa")))
    }

    /// SQLite refuses the event row after the state row was updated (a
    /// trigger stands in for a full disk or an I/O error between the two):
    /// the update is undone too, with or without the caller's transaction.
    @Test func aTransitionThatFailsMidwayLeavesNeitherRow() throws {
        let (db, dir) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (table, anchor) = try anchored(db)
        try db.execute("CREATE TRIGGER refuse_events BEFORE INSERT ON anchor_events BEGIN SELECT RAISE(ABORT, 'no room for the event'); END")

        // As BitcoinAnchorTarget.follow calls it: no transaction of its own.
        #expect(throws: (any Error).self) {
            try table.transition(anchor, to: .broadcast, block: nil, proof: nil, detail: "accepted", at: 2)
        }
        #expect(try table.byTxid("aa") == anchor, "the state change was kept without its event")
        #expect(try table.events(anchorID: anchor.id).count == 1)
        #expect(db.isInTransaction == false)

        // Inside a caller's transaction: only the failed transition is undone, the rest commits.
        try db.transaction {
            try db.execute("INSERT INTO checkpoints VALUES (8, x'00', 'note', 2)")
            #expect(throws: (any Error).self) {
                try table.transition(anchor, to: .confirmed, block: AnchorBlock(hash: "bb", height: 3, confirmations: 1),
                                     proof: nil, detail: "mined", at: 3)
            }
        }
        #expect(try table.byTxid("aa") == anchor)
        #expect(try db.scalar("SELECT COUNT(*) FROM checkpoints WHERE tree_size = 8") == 1)

        // A new anchor whose first event cannot be written is not stored either.
        #expect(throws: (any Error).self) {
            try table.insertPending(target: "ledger", treeSize: 7, payload: [1], txid: "cc", rawTx: [2], endpoint: "http://n:1",
                                    inputTxid: nil, inputVout: nil, fee: 173, at: 4)
        }
        #expect(try table.byTxid("cc") == nil)
        #expect(try db.scalar("SELECT COUNT(*) FROM anchors") == 1)

        // Once SQLite takes the event again, the same transition goes through whole.
        try db.execute("DROP TRIGGER refuse_events")
        try table.transition(anchor, to: .broadcast, block: nil, proof: nil, detail: "accepted", at: 5)
        #expect(try table.byTxid("aa")?.state == .broadcast)
        #expect(try table.events(anchorID: anchor.id).map(\.to) == [.pending, .broadcast])
    }

    /// A state this version does not know (a later version's database, or a
    /// hand edit past the CHECK constraint) is refused with a message, never
    /// read as `pending` (which would send the anchor again).
    @Test func anUnknownStoredStateIsRefusedNotGuessed() throws {
        let (db, dir) = try temporaryDatabase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (table, anchor) = try anchored(db)
        try table.checkStoredStates()
        try db.execute("PRAGMA ignore_check_constraints = ON")
        try db.execute("UPDATE anchors SET state = 'orbiting' WHERE id = \(anchor.id)")
        let expected = "anchor \(anchor.id) has state \"orbiting\", which this vitalgate does not know"
        #expect { try table.byTxid("aa") } throws: { "\($0)".contains(expected) }
        #expect { try table.checkStoredStates() } throws: { "\($0)".contains(expected) }

        // The same for a logged transition.
        try db.execute("UPDATE anchors SET state = 'broadcast' WHERE id = \(anchor.id)")
        try table.checkStoredStates()
        try db.execute("UPDATE anchor_events SET to_state = 'lost' WHERE anchor_id = \(anchor.id)")
        #expect { try table.checkStoredStates() } throws: { "\($0)".contains("an event's to_state \"lost\"") }
        #expect { try table.events() } throws: { "\($0)".contains("\"lost\", which this vitalgate does not know") }
    }
}

