import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15's third acceptance test and the systemd integration around it:
/// the agent speaks sd_notify to a socket the test listens on (READY=1,
/// STATUS=, periodic WATCHDOG=1) and stops feeding the watchdog when the
/// ingest path itself is frozen (the test holds the database's write lock
/// while readings wait), though the process runs on; the shipped units pass
/// `systemd-analyze verify`; log lines carry syslog priorities when stderr is
/// the journal.
@Suite(.serialized)
struct OperationsSystemdTests {
    @Test func watchdogIsFedOnlyWhileIngestMakesProgress() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["clock_sync_required": "false"]),
                                         devices: [("wd-0", "thermometer")])
        defer { gateway.remove() }
        let systemd = try NotifyListener()
        defer { systemd.stop() }
        // WatchdogSec=2: a ping every half second while healthy.
        try gateway.startAgentAndWaitForBroker(environment: ["NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "2000000"])
        try waitUntil(timeout: 10, "READY=1") { systemd.count("READY=1") == 1 }
        #expect(systemd.lines.contains { $0.line.hasPrefix("STATUS=") })

        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func publish(_ seqs: ClosedRange<Int>) throws {
            try publisher.publish(seqs.map { ("vitals/wd-0", TrafficPlan.reading("wd-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        }
        try publish(1...5)
        try gateway.waitForStatus(timeout: 20, "5 stored") { $0["stored"]?.int64 == 5 }

        // The control: pings keep coming while ingest works or idles.
        let healthyFrom = Date()
        sleep(4)
        let healthyPings = systemd.count("WATCHDOG=1", since: healthyFrom)
        #expect(healthyPings >= 3, "\(healthyPings) pings in 4 s")

        // Freeze the ingest path: the test holds the write lock while readings wait.
        let db = try Database(path: gateway.databasePath)
        try db.execute("BEGIN IMMEDIATE")
        let frozenAt = Date()
        try publish(6...10)
        try waitUntil(timeout: 60, "the agent to stop feeding the watchdog") {
            gateway.agentLogs().contains("systemd's watchdog is no longer fed")
        }
        let stoppedFrom = Date()
        sleep(5)
        #expect(systemd.count("WATCHDOG=1", since: stoppedFrom) == 0, "no pings while ingest is frozen")
        #expect(gateway.agent?.isRunning == true, "the process itself runs on: only ingest is frozen")
        let said = systemd.lines.filter { $0.at >= frozenAt && $0.line.hasPrefix("STATUS=") }.map(\.line)
        #expect(said.contains { $0.contains("ingest paused: the database is locked by another process") }, "\(said)")
        let check = try runVitalgate(["status", "--home", gateway.home, "--check"])
        #expect(check.status == 2 && check.stdout.contains("ingest paused"), "\(check.stdout)")

        // Released: ingest catches up and the pings come back.
        try db.execute("ROLLBACK")
        let releasedAt = Date()
        try gateway.waitForStatus(timeout: 60, "all 10 stored after the release") { $0["stored"]?.int64 == 10 }
        try waitUntil(timeout: 20, "pings again") { systemd.count("WATCHDOG=1", since: releasedAt) > 0 }

        gateway.stopAgent()
        #expect(systemd.count("STOPPING=1") == 1)
    }

    /// Every shipped unit passes `systemd-analyze verify` (its ExecStart
    /// pointed at the binary under test, which is not installed here). The
    /// control: with the start limits back in [Service], as before, it warns.
    @Test func shippedUnitsVerifyCleanly() throws {
        let root = repositoryRoot()
        let folder = try TemporaryDirectory("vitalgate-units")
        defer { folder.remove() }
        let units = try FileManager.default.contentsOfDirectory(atPath: root + "/Provisioning").filter { $0.hasSuffix(".service") }.sorted()
        #expect(units == ["vitalgate-broker.service", "vitalgate.service"])
        for unit in units {
            var text = try String(contentsOfFile: root + "/Provisioning/" + unit, encoding: .utf8)
            text = pointExecStart(text, at: vitalgateBinary())
            try text.write(toFile: folder.file(unit), atomically: true, encoding: .utf8)
        }
        let verified = try runTool("/usr/bin/systemd-analyze", ["verify"] + units.map { folder.file($0) })
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.isEmpty, "systemd-analyze has something to say: \(verified.output)")
        let agent = try String(contentsOfFile: folder.file("vitalgate.service"), encoding: .utf8)
        #expect(agent.contains("Type=notify") && agent.contains("WatchdogSec="))

        let old = agent.replacingOccurrences(of: "StartLimitIntervalSec=120\n", with: "")
            .replacingOccurrences(of: "RestartSec=5\n", with: "RestartSec=5\nStartLimitIntervalSec=120\n")
        try old.write(toFile: folder.file("vitalgate.service"), atomically: true, encoding: .utf8)
        let control = try runTool("/usr/bin/systemd-analyze", ["verify", folder.file("vitalgate.service"), folder.file("vitalgate-broker.service")])
        #expect(control.output.contains("Unknown key 'StartLimitIntervalSec' in section [Service]"), "\(control.output)")
    }

    /// Under systemd (JOURNAL_STREAM names the agent's stderr) every line
    /// starts with its syslog priority and has no timestamp of its own; the
    /// control, the same agent with stderr elsewhere, stamps its lines.
    @Test func logLinesCarryPrioritiesWhenStderrIsTheJournal() throws {
        let broker = try Broker()
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: broker.port, ["clock_sync_required": "false"]),
                                         devices: [])
        defer { gateway.remove() }
        // The agent's first log file is made here, so its device and inode are known before it starts.
        let log = gateway.directory.file("agent-1.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        var info = stat()
        #expect(stat(log, &info) == 0)
        try gateway.startAgentAndWaitForBroker(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"])
        broker.stop()   // a warning: the broker goes away
        try gateway.waitForStatus(timeout: 20, "the broker seen down") { $0["broker"]?["state"]?.string == "disconnected" }
        gateway.stopAgent()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.range(of: #"^<[2-7]>"#, options: .regularExpression) != nil }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<4>broker 127.0.0.1:\(broker.port): ") }, "the lost broker is a warning: \(lines)")
        #expect(lines.contains { $0.hasPrefix("<5>vitalgate ") && $0.contains("starting") })
        #expect(!lines.contains { $0.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"#, options: .regularExpression) != nil }, "no own timestamps")

        // The control: stderr is a file JOURNAL_STREAM does not name.
        try gateway.startAgent(environment: ["JOURNAL_STREAM": "1:1"])
        try waitUntil(timeout: 10, "the start line") { gateway.agentLogs().contains("starting:") && gateway.agent?.isRunning == true }
        gateway.stopAgent()
        let plain = try String(contentsOfFile: gateway.directory.file("agent-2.log"), encoding: .utf8).split(separator: "\n")
        #expect(plain.allSatisfy { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|notice|warning|error|critical) "#, options: .regularExpression) != nil }, "\(plain)")
    }

    /// `ExecStart=PATH args` with PATH replaced.
    func pointExecStart(_ unit: String, at binary: String) -> String {
        unit.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix("ExecStart=/"), line.contains("vitalgate ") else { return String(line) }
            let rest = line.dropFirst("ExecStart=".count).drop { $0 != " " }
            return "ExecStart=\(binary)\(rest)"
        }.joined(separator: "\n")
    }
}
