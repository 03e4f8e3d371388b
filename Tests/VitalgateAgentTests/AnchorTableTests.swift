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
}
