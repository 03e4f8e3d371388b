import Foundation
import JSON
import Testing
import TestSupport

/// Issue 15's fourth acceptance test: bad input and a long ledger outage
/// cost a bounded number of log lines and database commits.
@Suite(.serialized)
struct OperationsLogBoundTests {
    /// 10,000 bad messages (out-of-range values, broken JSON, 2,000 made-up
    /// device ids) write a bounded number of lines, and the lines account
    /// for every rejection: the first of each device and reason in a minute
    /// in full, the rest in per-minute summaries with their counts.
    @Test func aFloodOfBadMessagesWritesABoundedSummary() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["clock_sync_required": "false"]),
                                         devices: [("fl-0", "pulse-oximeter"), ("fl-1", "thermometer")])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var messages: [(topic: String, payload: [UInt8])] = []
        for i in 1...4000 { messages.append(("vitals/fl-0", Array(#"{"device":"fl-0","seq":\#(i),"ts":\#(now),"spo2":140,"hr":70}"#.utf8))) }
        for i in 1...2000 { messages.append(("vitals/fl-1", Array(#"{"device":"fl-1","seq":\#(i),"ts":"#.utf8))) }
        for i in 1...2000 { messages.append(("vitals/fl-1", Array(#"{"device":"fl-1","seq":\#(i),"ts":\#(now),"temp":36.6,"x":1}"#.utf8))) }
        for i in 1...2000 { messages.append(("vitals/ghost-\(i)", Array(#"{"device":"ghost-\#(i)","seq":1,"ts":\#(now),"hr":70}"#.utf8))) }
        #expect(messages.count == 10_000)
        let publisher = try Publisher(port: broker.port)
        try publisher.publish(messages)
        publisher.stop()
        try gateway.waitForStatus(timeout: 120, "10,000 rejections counted") { $0["rejected"]?.int64 == 10_000 }
        gateway.stopAgent()  // the summary of the last window is written at the stop

        let lines = gateway.agentLogs().split(separator: "\n").filter { $0.contains(" rejected ") }
        // At most 10 kinds in full and 10 summaries per minute, plus one line for the rest, in
        // each of the (at most 3) windows the flood and the stop touch.
        #expect(lines.count <= 63, "\(lines.count) lines")
        var accounted = 0
        for line in lines {
            if line.contains("rejected message from ") {
                accounted += 1
            } else if let match = line.firstMatch(of: /rejected (\d+) more messages/) {
                accounted += Int(match.1)!
            } else {
                Issue.record("unexpected line: \(line)")
            }
        }
        #expect(accounted == 10_000, "the lines account for every rejection: \(accounted)\n\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("other device and reason pairs") }, "the made-up ids are lumped together")
        print("flood: \(lines.count) log lines for 10,000 rejections")
    }

    /// Three ledger nodes stopped at once for 60 s: the agent backs off (one
    /// backoff for the list, capped at 10 s), says so in a couple of lines,
    /// and records its ledger state once, not per switch. Commits are counted
    /// in the database's write-ahead log; the control shows the count moves
    /// when the agent does write.
    @Test func threeLedgerNodesDownCostABoundedNumberOfLinesAndCommits() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let nodes = try LedgerNode.network(3, name: "down")
        defer { nodes.forEach { $0.stop() } }
        let gateway = try GatewayFixture(settings: [
            "mqtt_port": String(broker.port),
            "ledger_url": nodes.map(\.url).joined(separator: ","),
            "ledger_cookie": nodes.map(\.cookieFile).joined(separator: ","),
            "checkpoint_interval": "1", "anchor_interval": "1", "confirmations": "1", "clock_sync_required": "false",
        ], devices: [("ld-0", "thermometer")])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let miner = BlockProducer(nodes[2], interval: 1)
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try publisher.publish((1...5).map { ("vitals/ld-0", TrafficPlan.reading("ld-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        try gateway.waitForStatus(timeout: 60, "everything anchored") {
            $0["stored"]?.int64 == 5 && $0["anchors"]?["last_confirmed"]?["tree_size"]?.int64 == $0["tree_size"]?.int64
        }

        // The control: readings arriving make commits, and the counter sees them.
        let before = try WriteAheadLog.commits(gateway.databasePath + "-wal")
        try publisher.publish((6...8).map { ("vitals/ld-0", TrafficPlan.reading("ld-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        try gateway.waitForStatus(timeout: 20, "8 stored") { $0["stored"]?.int64 == 8 }
        sleep(2)
        let after = try WriteAheadLog.commits(gateway.databasePath + "-wal")
        #expect(after.salt == before.salt && after.count > before.count, "the counter counts: \(before) → \(after)")

        // Every node stops at once; 60 s pass. (The readings are anchored by
        // then, or not: either way nothing new arrives to commit.)
        miner.stop()
        sleep(3)
        let logBefore = gateway.agentLogs().split(separator: "\n").count
        let walBefore = try WriteAheadLog.commits(gateway.databasePath + "-wal")
        for node in nodes { node.halt() }
        sleep(60)
        let walAfter = try WriteAheadLog.commits(gateway.databasePath + "-wal")
        let newLines = gateway.agentLogs().split(separator: "\n").dropFirst(logBefore)
        #expect(walAfter.salt == walBefore.salt, "no checkpoint reset the log in between")
        let commits = walAfter.count - walBefore.count
        #expect(commits <= 3, "\(commits) commits in 60 s with every ledger node down")
        #expect(newLines.count <= 6, "\(newLines.count) lines in 60 s:\n\(newLines.joined(separator: "\n"))")
        #expect(newLines.contains { $0.contains("all 3 ledger nodes unreachable") }, "\(newLines.joined(separator: "\n"))")
        let status = try gateway.status()
        #expect(status["ledger"]?["state"]?.string == "unreachable")
        #expect(status["ledger"]?["detail"]?.string?.hasPrefix("all 3 ledger nodes unreachable") == true)

        // One node back: found within the capped backoff.
        try nodes[1].restart()
        try gateway.waitForStatus(timeout: 30, "a ledger reachable again") { $0["ledger"]?["state"]?.string == "reachable" }
        #expect(gateway.agentLogs().contains("reachable again"))
        gateway.stopAgent()
        print("ledger outage: \(commits) commits and \(newLines.count) log lines in 60 s with 3 nodes down")
    }
}

/// Counts commits in an SQLite write-ahead log file (sqlite.org/fileformat.html,
/// "WAL File Format"): frames follow a 32-byte header; a frame whose header
/// holds a database size (bytes 4-7) ends a commit; frames whose salts
/// differ from the header's are left over from before the log was reset.
enum WriteAheadLog {
    static func commits(_ path: String) throws -> (salt: UInt64, count: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 32 else { return (0, 0) }
        func u32(_ at: Int) -> UInt32 { bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        let pageSize = Int(u32(8))
        let salt = UInt64(u32(16)) << 32 | UInt64(u32(20))
        var count = 0
        var offset = 32
        while offset + 24 + pageSize <= bytes.count {
            guard UInt64(u32(offset + 8)) << 32 | UInt64(u32(offset + 12)) == salt else { break }
            if u32(offset + 4) != 0 { count += 1 }
            offset += 24 + pageSize
        }
        return (salt, count)
    }
}
