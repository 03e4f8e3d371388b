import Foundation
import JSON
import Testing
import TestSupport

/// Issue 15's second acceptance test: a real node_exporter (Debian's
/// prometheus-node-exporter) serves the agent's metrics file over HTTP with
/// the right values after a known load; `promtool` (Debian's prometheus)
/// checks the shipped alert rules and passes their unit tests, including a
/// silent device, and fails them when a rule is changed (the control).
@Suite(.serialized)
struct OperationsMetricsTests {
    /// 3 devices × 20 readings, 5 out-of-range and 3 from an unknown device,
    /// 4 resends; a clinic that cannot be reached; blocks every second.
    @Test func nodeExporterServesTheAgentsMetricsAfterAKnownLoad() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "metrics")
        defer { ledger.stop() }
        let textfiles = try TemporaryDirectory("vitalgate-textfile")
        defer { textfiles.remove() }
        let exporter = try NodeExporter(textfileDirectory: textfiles.path)
        defer { exporter.stop() }
        let devices = [("ox-1", "pulse-oximeter"), ("th-1", "thermometer"), ("bp-1", "blood-pressure-cuff")]
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "1", "confirmations": "1",
            "metrics_textfile_dir": textfiles.path, "metrics_interval": "1",
            "clinic_url": "http://127.0.0.1:\(try freeLoopbackPort())/fhir", "delivery_retry_cap": "2",
        ]), devices: devices)
        defer { gateway.remove() }
        // Only ox-1 is on a patient: only it has an expected interval, only its readings wait for the clinic.
        #expect(try runVitalgate(["device", "assign", "ox-1", "--patient", "Patient/m1", "--home", gateway.home]).status == 0)
        try gateway.startAgentAndWaitForBroker()
        let miner = BlockProducer(ledger, interval: 1)
        defer { miner.stop() }

        let start = Date().timeIntervalSince1970
        let now = Int64(start * 1000)
        var messages: [(topic: String, payload: [UInt8])] = []
        for i in 1...20 {
            for (d, p) in devices { messages.append(("vitals/\(d)", TrafficPlan.reading(d, p, seq: Int64(i), ts: now, i))) }
        }
        for i in 21...25 { messages.append(("vitals/ox-1", Array(#"{"device":"ox-1","seq":\#(i),"ts":\#(now),"spo2":140,"hr":70}"#.utf8))) }
        for i in 1...3 { messages.append(("vitals/ghost", Array(#"{"device":"ghost","seq":\#(i),"ts":\#(now),"hr":70}"#.utf8))) }
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        try publisher.publish(messages)
        try publisher.publish(messages.prefix(4).map { $0 })  // resends of stored readings: duplicates
        let published = Date().timeIntervalSince1970
        try gateway.waitForStatus(timeout: 30, "the load processed") {
            $0["stored"]?.int64 == 60 && $0["rejected"]?.int64 == 8 && $0["duplicates"]?.int64 == 4
        }
        // The log also holds access events (device add, assign: docs/audit.md), so "everything" is its size.
        try gateway.waitForStatus(timeout: 60, "everything anchored and final") {
            $0["anchors"]?["last_confirmed"]?["tree_size"]?.int64 == $0["tree_size"]?.int64 && $0["delivery"]?["state"]?.string == "retrying"
        }
        let treeSize = Double(try #require(try gateway.status()["tree_size"]?.int64))
        #expect(treeSize > 60, "60 readings and the access events")

        // What Prometheus would scrape, once the file reflects all of it.
        var samples: [String: Double] = [:]
        var text = ""
        try waitUntil(timeout: 20, "node_exporter to serve the final numbers") {
            text = try exporter.scrape()
            samples = prometheusSamples(text)
            return samples["vitalgate_anchor_final_tree_size"] == treeSize && samples["vitalgate_delivery_backlog_readings"] == 20
        }
        #expect(samples["node_textfile_scrape_error"] == 0, "node_exporter parsed the file: \(exporter.output().suffix(500))")
        #expect(samples["vitalgate_readings_stored_total"] == 60)
        #expect(samples[#"vitalgate_readings_rejected_total{reason="out_of_range"}"#] == 5)
        #expect(samples[#"vitalgate_readings_rejected_total{reason="unknown_device"}"#] == 3)
        #expect(samples[#"vitalgate_readings_rejected_total{reason="duplicate"}"#] == nil, "duplicates are not rejections")
        #expect(samples["vitalgate_readings_duplicate_total"] == 4)
        #expect(samples["vitalgate_log_leaves"] == treeSize)
        #expect(samples["vitalgate_checkpoint_tree_size"] == treeSize)
        #expect((samples[#"vitalgate_anchors{state="final"}"#] ?? 0) >= 1)
        let finalAt = samples["vitalgate_anchor_final_timestamp_seconds"] ?? 0
        #expect(finalAt >= start && finalAt <= Date().timeIntervalSince1970, "\(finalAt)")
        #expect(samples["vitalgate_checkpoint_unanchored_since_timestamp_seconds"] == nil, "every checkpoint is anchored")
        // The clinic is unreachable: ox-1's 20 readings wait, the oldest since it arrived.
        #expect(samples["vitalgate_delivery_backlog_readings"] == 20)
        let oldest = samples["vitalgate_delivery_backlog_oldest_timestamp_seconds"] ?? 0
        #expect(oldest >= start - 1 && oldest <= published + 1, "\(oldest) not within [\(start), \(published)]")
        #expect(samples["vitalgate_delivery_failed_readings"] == 0)
        for (d, p) in devices {
            let seen = samples[#"vitalgate_device_last_reading_timestamp_seconds{device="\#(d)",profile="\#(p)"}"#] ?? 0
            #expect(seen >= start - 1 && seen <= published + 1, "\(d): \(seen)")
        }
        #expect(samples[#"vitalgate_device_expected_interval_seconds{device="ox-1",profile="pulse-oximeter"}"#] == 60)
        #expect(samples[#"vitalgate_device_expected_interval_seconds{device="th-1",profile="thermometer"}"#] == nil, "not on a patient")
        #expect(samples["vitalgate_broker_connected"] == 1)
        #expect(samples["vitalgate_ledger_reachable"] == 1)
        #expect(samples["vitalgate_agent_up"] == 1)
        #expect(samples[#"vitalgate_health{part="delivery"}"#] == 1, "the clinic cannot be reached: a warning")
        let commits = samples["vitalgate_ingest_commit_duration_seconds_count"] ?? 0
        #expect(commits >= 1 && samples[#"vitalgate_ingest_commit_duration_seconds_bucket{le="+Inf"}"#] == commits)
        let heartbeat = samples["vitalgate_heartbeat_timestamp_seconds"] ?? 0
        #expect(abs(heartbeat - Date().timeIntervalSince1970) < 15, "fresh heartbeat: \(heartbeat)")
        // The database with -wal and -shm, as on disk: the file is up to a second old and the
        // agent goes on writing (anchors, blocks), so a few scrapes may be needed to meet it.
        var used = 0.0, onDisk = 0
        do {
            try waitUntil(timeout: 20, "the storage metric to match the files") {
                used = prometheusSamples(try exporter.scrape())["vitalgate_storage_used_bytes"] ?? 0
                onDisk = ["", "-wal", "-shm"].compactMap { try? FileManager.default.attributesOfItem(atPath: gateway.databasePath + $0)[.size] as? Int }.reduce(0, +)
                return used > 0 && abs(used - Double(onDisk)) <= Double(onDisk) / 10 + 32_768
            }
        } catch {
            Issue.record("\(error): \(used) bytes reported, \(onDisk) on disk")
        }
        #expect((samples["vitalgate_storage_free_bytes"] ?? 0) > 0)

        // Confirmations are live: they go on growing after the anchor became final (at 1).
        try gateway.waitForStatus(timeout: 30, "confirmations counted past finality") {
            ($0["anchors"]?["last_confirmed"]?["confirmations"]?.int64 ?? 0) >= 4
        }
        let frozen = try gateway.readOnlyDatabase().prepare("SELECT MIN(confirmations) FROM anchors WHERE state = 'final'").rows { $0.int64(0) }.first ?? 0
        #expect(frozen < 4, "the stored count stopped at finality (\(frozen)); status adds the blocks since")

        // The file follows Prometheus' naming rules (promtool's linter).
        let file = textfiles.file("vitalgate.prom")
        let lint = try runToolWithInput("/usr/bin/promtool", ["check", "metrics"], input: try String(contentsOfFile: file, encoding: .utf8))
        #expect(lint.status == 0, "\(lint.output)")

        // A clean stop says so at once.
        gateway.stopAgent()
        try waitUntil(timeout: 10, "the stopped agent's last metrics") { prometheusSamples(try exporter.scrape())["vitalgate_agent_up"] == 0 }
    }

    /// The shipped rules pass `promtool check rules` and their unit tests
    /// (every alert, a silent device among them); the control: the same tests
    /// against rules whose silent-device threshold was doubled fail.
    @Test func promtoolChecksAndTestsTheShippedAlertRules() throws {
        let root = repositoryRoot()
        let rules = root + "/Provisioning/vitalgate-alerts.yml"
        let checked = try runTool("/usr/bin/promtool", ["check", "rules", rules])
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.output.contains("SUCCESS: 9 rules found"), "\(checked.output)")
        let tested = try runTool("/usr/bin/promtool", ["test", "rules", root + "/Tests/alerts/vitalgate-alerts.test.yml"])
        #expect(tested.status == 0, "\(tested.output)")
        #expect(tested.output.contains("SUCCESS"), "\(tested.output)")
        let alerts = try String(contentsOfFile: rules, encoding: .utf8).components(separatedBy: "\n").filter { $0.contains("- alert: ") }
        let testText = try String(contentsOfFile: root + "/Tests/alerts/vitalgate-alerts.test.yml", encoding: .utf8)
        for alert in alerts {
            let name = alert.components(separatedBy: "- alert: ")[1]
            #expect(testText.contains("alertname: \(name)\n        exp_alerts:\n          - exp_labels"), "\(name) has a firing case")
        }

        let copy = try TemporaryDirectory("vitalgate-alerts")
        defer { copy.remove() }
        try FileManager.default.createDirectory(atPath: copy.file("Provisioning"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: copy.file("Tests/alerts"), withIntermediateDirectories: true)
        let changed = try String(contentsOfFile: rules, encoding: .utf8)
            .replacingOccurrences(of: "> vitalgate_device_expected_interval_seconds", with: "> 2 * vitalgate_device_expected_interval_seconds")
        try changed.write(toFile: copy.file("Provisioning/vitalgate-alerts.yml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: root + "/Tests/alerts/vitalgate-alerts.test.yml", toPath: copy.file("Tests/alerts/t.yml"))
        let control = try runTool("/usr/bin/promtool", ["test", "rules", copy.file("Tests/alerts/t.yml")])
        #expect(control.status != 0, "a silent device alerting late must fail the tests: \(control.output)")
        #expect(control.output.contains("VitalgateDeviceSilent"), "\(control.output)")
    }
}

/// Runs a tool with `input` on stdin; its status and combined output.
func runToolWithInput(_ executable: String, _ arguments: [String], input: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe(), out = Pipe()
    process.standardInput = stdin
    process.standardOutput = out
    process.standardError = out
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
