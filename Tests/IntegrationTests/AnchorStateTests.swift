import Foundation
import SQLiteStore
import Testing
import TestSupport

/// The agent and a database holding an anchor state it does not know (as a
/// later version, or a hand edit past the CHECK constraint, can leave one):
/// it refuses to start and says why, instead of reading the state as
/// `pending` and sending the anchor again.
@Suite struct AnchorStateTests {
    @Test func anUnknownAnchorStateStopsTheAgentWithAMessage() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, [:]), devices: [])
        defer { gateway.remove() }
        do {
            let db = try Database(path: gateway.databasePath)
            try db.execute("PRAGMA ignore_check_constraints = ON")
            try db.execute("INSERT INTO checkpoints VALUES (1, x'00', 'note', 1)")
            try db.execute("""
                INSERT INTO anchors(id, tree_size, payload, state, txid, raw_tx, created_at, updated_at)
                VALUES (1, 1, x'01', 'orbiting', 'aa', x'02', 1, 1)
                """)
        }
        try gateway.startAgent()
        let status = gateway.agent?.waitForExit(timeout: 60)
        #expect(status != nil && status != 0, "the agent ran on: \(gateway.agentLogs().suffix(2000))")
        #expect(gateway.agentLogs().contains("anchor 1 has state \"orbiting\", which this vitalgate does not know"),
                "\(gateway.agentLogs().suffix(2000))")
        // Nothing was done to the anchor.
        let db = try Database(path: gateway.databasePath)
        #expect(try db.prepare("SELECT state FROM anchors WHERE id = 1").rows { $0.text(0) } == ["orbiting"])
        #expect(try db.prepare("SELECT COUNT(*) FROM anchor_events").rows { $0.int64(0) } == [0])
    }
}
