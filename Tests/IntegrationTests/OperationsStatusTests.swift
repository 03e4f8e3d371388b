import Foundation
import JSON
import Testing
import TestSupport

/// Issue 15's first acceptance test: `status` and `status --check` tell the
/// truth after a clean stop, after SIGKILL, with the broker down, with the
/// wallet empty and with the clinic refusing, with the exit codes of
/// docs/operations.md (0 OK, 1 WARNING, 2 CRITICAL). Every gateway here sets
/// `clock_sync_required = false`: this machine's kernel reports its clock
/// unsynchronised, which would make every healthy case a warning
/// (`clockUnsynchronisedIsAWarningWhenRequired` checks that case).
@Suite(.serialized)
struct OperationsStatusTests {
    /// Running and healthy: exit 0 (the control); stopped with SIGTERM: 2,
    /// "stopped cleanly", and the parts are what it last saw, not current;
    /// SIGKILLed: 2, "without a clean stop".
    @Test func statusTellsRunningStoppedAndKilledApart() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "status")
        defer { ledger.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            // A checkpoint waits at most anchor_interval for its anchor: 60 s keeps a loaded
            // machine's slow anchor from counting as "stalled" (twice the interval).
            "checkpoint_interval": "1", "anchor_interval": "60", "clock_sync_required": "false",
        ]), devices: [("st-0", "thermometer")])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        try gateway.waitForStatus(timeout: 30, "ledger reachable and anchoring") { s in
            s["ledger"]?["state"]?.string == "reachable" && s["anchoring"]?["state"]?.string == "ok"
        }
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try publisher.publish((1...5).map { ("vitals/st-0", TrafficPlan.reading("st-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        try gateway.waitForStatus(timeout: 20, "5 readings stored") { $0["stored"]?.int64 == 5 }

        let running = try check(gateway)
        #expect(running.code == 0, "\(running.line)")
        #expect(running.line.hasPrefix("VITALGATE OK - agent running"), "\(running.line)")
        let json = try gateway.status()
        let version = try runVitalgate(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(json["version"]?.string == version)
        #expect(json["agent"]?["running"]?.bool == true)
        #expect(json["agent"]?["pid"]?.int64 == Int64(gateway.agent?.pid ?? -1))
        #expect(json["broker"]?["current"]?.bool == true)
        #expect(json["health"]?["exit_code"]?.int64 == 0)
        #expect(try line(gateway).code == 0)
        // Times for people: ISO 8601 UTC, not milliseconds.
        let devices = try runVitalgate(["device", "list", "--home", gateway.home]).stdout
        #expect(devices.contains("LAST SEEN (UTC)"), "\(devices)")
        #expect(devices.range(of: #"st-0 .* \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, options: .regularExpression) != nil, "\(devices)")
        #expect(devices.range(of: #"\b1\d{12}\b"#, options: .regularExpression) == nil, "no raw milliseconds: \(devices)")

        // A clean stop: not running, and the parts are labelled as last seen.
        gateway.stopAgent()
        let firstRun = (try? String(contentsOfFile: gateway.directory.file("agent-1.log"), encoding: .utf8)) ?? ""
        #expect(firstRun.contains("stopped cleanly"))
        #expect(firstRun.contains("vitalgate \(version) for gateway test-gw starting"), "the start line names the version")
        #expect(!firstRun.contains(" warning "), "a healthy run and a clean stop log no warning: \(firstRun)")
        let stopped = try check(gateway)
        #expect(stopped.code == 2, "\(stopped.line)")
        #expect(stopped.line.hasPrefix("VITALGATE CRITICAL - agent not running: stopped cleanly at"), "\(stopped.line)")
        let afterStop = try gateway.status()
        #expect(afterStop["agent"]?["state"]?.string == "stopped")
        #expect(afterStop["agent"]?["running"]?.bool == false)
        #expect(afterStop["broker"]?["state"]?.string == "connected", "what it last saw")
        #expect(afterStop["broker"]?["current"]?.bool == false, "…and said not to be current")
        let human = try runVitalgate(["status", "--home", gateway.home]).stdout
        #expect(human.contains("NOT RUNNING: stopped cleanly"), "\(human)")
        #expect(human.contains("as the agent last saw them, not current"), "\(human)")
        #expect(try line(gateway).code == 2, "--line exits as --check")

        // SIGKILL: no clean stop was recorded.
        try gateway.startAgentAndWaitForBroker()
        try gateway.waitForStatus(timeout: 20, "running again") { $0["agent"]?["running"]?.bool == true && $0["ledger"]?["state"]?.string == "reachable" }
        let again = try check(gateway)
        #expect(again.code == 0, "\(again.line)")
        gateway.killAgent()
        let killed = try check(gateway)
        #expect(killed.code == 2, "\(killed.line)")
        #expect(killed.line.contains("agent not running: it ended without a clean stop"), "\(killed.line)")
        #expect(try gateway.status()["agent"]?["state"]?.string == "killed")

        // The whole demo stopped (broker and ledger too): still not running, still critical.
        broker.stop()
        ledger.stop()
        let allDown = try check(gateway)
        #expect(allDown.code == 2 && allDown.line.contains("agent not running"), "\(allDown.line)")
    }

    /// The broker goes away: critical, in words, and back to healthy when it
    /// returns; a wrong agent password is a refusal in words, not a code.
    @Test func brokerTroubleIsCriticalAndSaidInWords() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "status-broker")
        defer { ledger.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "anchor_interval": "60", "clock_sync_required": "false",
        ]), devices: [])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        try gateway.waitForStatus(timeout: 30, "healthy") { $0["health"]?["exit_code"]?.int64 == 0 }

        broker.stop()
        try gateway.waitForStatus(timeout: 20, "the broker seen down") { $0["broker"]?["state"]?.string == "disconnected" }
        let down = try check(gateway)
        #expect(down.code == 2, "\(down.line)")
        #expect(down.line.contains("broker disconnected: 127.0.0.1:\(broker.port)"), "\(down.line)")
        try broker.restart()
        try gateway.waitForStatus(timeout: 30, "the broker back") { $0["broker"]?["state"]?.string == "connected" }
        let back = try check(gateway)
        #expect(back.code == 0, "\(back.line)")
        let log = gateway.agentLogs()
        #expect(log.contains("broker 127.0.0.1:\(broker.port): connected again after"), "reconnection is logged")
        #expect(!log.contains("(rc "), "no raw return codes: \(log.suffix(2000))")
        gateway.stopAgent()

        // A wrong password for the agent on a broker that checks passwords.
        let secured = try Broker(extraConfig: ["password_file \(gateway.home)/broker/passwd"], allowAnonymous: false)
        defer { secured.stop() }
        try "not-the-password\n".write(toFile: gateway.home + "/broker/agent.password", atomically: true, encoding: .utf8)
        try gateway.startAgent(["--mqtt-port", String(secured.port)])
        try gateway.waitForStatus(timeout: 20, "the login refused") { $0["broker"]?["state"]?.string == "refused" }
        let refused = try check(gateway)
        #expect(refused.code == 2, "\(refused.line)")
        #expect(refused.line.contains("refused the agent's login: not authorised"), "\(refused.line)")
        #expect(refused.line.contains("mqtt_password_file"), "says what to check: \(refused.line)")
        #expect(!gateway.agentLogs().contains("connack 5"))
    }

    /// A restart against another ledger whose wallet is empty: status names
    /// the new ledger (nothing of the previous run) and says anchoring is
    /// blocked and why; a warning. The log says it once, not every retry.
    @Test func emptyWalletBlocksAnchoringAndStatusSaysSo() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let funded = try LedgerNode(name: "funded")
        defer { funded.stop() }
        let empty = try LedgerNode(name: "empty", matureCoins: false)
        defer { empty.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: funded, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "30", "clock_sync_required": "false",
        ]), devices: [("wa-0", "thermometer")])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try publisher.publish((1...3).map { ("vitals/wa-0", TrafficPlan.reading("wa-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        try gateway.waitForStatus(timeout: 60, "an anchor on the funded ledger") { ($0["anchors"]?["pending"]?.int64 ?? 0) > 0 }
        let healthy = try check(gateway)
        #expect(healthy.code == 0, "control: a funded wallet is healthy: \(healthy.line)")
        gateway.stopAgent()

        try gateway.startAgent(["--ledger-url", empty.url, "--ledger-cookie", empty.cookieFile])
        try publisher.publish((4...6).map { ("vitals/wa-0", TrafficPlan.reading("wa-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        try gateway.waitForStatus(timeout: 60, "anchoring blocked") { $0["anchoring"]?["state"]?.string == "blocked" }
        let status = try gateway.status()
        let detail = status["anchoring"]?["detail"]?.string ?? ""
        #expect(detail.contains("has no spendable coins") && detail.contains("sat needed"), "\(detail)")
        #expect(status["ledger"]?["detail"]?.string == empty.url, "the current ledger")
        #expect(!status.serialized().contains(funded.url), "nothing of the previous run")
        let blocked = try check(gateway)
        #expect(blocked.code == 1, "\(blocked.line)")
        #expect(blocked.line.contains("anchoring blocked: wallet vitalgate has no spendable coins"), "\(blocked.line)")
        // The agent retries; the log does not repeat itself (it said it every ~9 s before).
        sleep(25)
        let lines = gateway.agentLogs().split(separator: "\n").filter { $0.contains("anchoring blocked") }
        #expect(lines.count == 1, "\(lines)")
        gateway.stopAgent()
    }

    /// The clinic refuses the gateway's token: a warning that says so and
    /// what to check; with the right token (the control) delivery is healthy.
    @Test func clinicRefusingIsAWarningInWords() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "status-clinic")
        defer { ledger.stop() }
        let clinic = try ClinicServer(token: "the-right-token")
        defer { clinic.remove() }
        let secrets = try TemporaryDirectory("vitalgate-token")
        defer { secrets.remove() }
        let token = secrets.file("token")
        try "a-wrong-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, [
            "checkpoint_interval": "1", "anchor_interval": "60", "clock_sync_required": "false",
            "clinic_url": clinic.url, "clinic_token_file": token, "delivery_retry_cap": "2",
        ]), devices: [("cl-0", "thermometer")])
        defer { gateway.remove() }
        #expect(try runVitalgate(["device", "assign", "cl-0", "--patient", "Patient/p1", "--home", gateway.home]).status == 0)
        try gateway.startAgentAndWaitForBroker()
        let publisher = try Publisher(port: broker.port)
        defer { publisher.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try publisher.publish((1...3).map { ("vitals/cl-0", TrafficPlan.reading("cl-0", "thermometer", seq: Int64($0), ts: now, $0)) })
        try gateway.waitForStatus(timeout: 30, "delivery refused") { $0["delivery"]?["state"]?.string == "retrying" }
        let refused = try check(gateway)
        #expect(refused.code == 1, "\(refused.line)")
        #expect(refused.line.contains("delivery retrying: the clinic refused the gateway's credentials (HTTP 401): check clinic_token_file"), "\(refused.line)")

        try "the-right-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        gateway.stopAgent()
        try gateway.startAgentAndWaitForBroker()
        try gateway.waitForStatus(timeout: 30, "delivered") { $0["delivery"]?["state"]?.string == "up to date" }
        let delivered = try check(gateway)
        #expect(delivered.code == 0, "\(delivered.line)")
        gateway.stopAgent()
    }

    /// With `clock_sync_required` left at its default, the clock's state is
    /// the kernel's: on a machine without NTP (this one) a warning that says
    /// why; with it off, no warning.
    @Test func clockUnsynchronisedIsAWarningWhenRequired() throws {
        let broker = try Broker()
        defer { broker.stop() }
        let ledger = try LedgerNode(name: "status-clock")
        defer { ledger.stop() }
        let gateway = try GatewayFixture(settings: GatewaySettings.anchoring(to: ledger, mqttPort: broker.port, ["anchor_interval": "60"]),
                                         devices: [])
        defer { gateway.remove() }
        try gateway.startAgentAndWaitForBroker()
        try gateway.waitForStatus(timeout: 30, "the clock checked") { ($0["clock"]?["state"]?.string ?? "checking") != "checking" && $0["clock"]?["current"]?.bool == true }
        let clock = try gateway.status()["clock"]
        let synchronised = clock?["state"]?.string == "synchronised"
        let result = try check(gateway)
        if synchronised {
            #expect(result.code == 0, "\(result.line)")
        } else {
            #expect(clock?["state"]?.string == "not synchronised")
            #expect(result.code == 1, "\(result.line)")
            #expect(result.line.contains("clock not synchronised: the kernel reports no NTP synchronisation"), "\(result.line)")
        }
        gateway.stopAgent()

        // Off: the clock is reported, but is no reason for a warning.
        let conf = gateway.home + "/vitalgate.conf"
        try (String(contentsOfFile: conf, encoding: .utf8) + "clock_sync_required = false\n").write(toFile: conf, atomically: true, encoding: .utf8)
        try gateway.startAgentAndWaitForBroker()
        try gateway.waitForStatus(timeout: 30, "the clock checked") { ($0["clock"]?["state"]?.string ?? "checking") != "checking" && $0["clock"]?["current"]?.bool == true }
        #expect(try gateway.status()["clock"]?["health"]?.string == "ok")
        let off = try check(gateway)
        #expect(off.code == 0, "\(off.line)")
        gateway.stopAgent()
    }

    func check(_ gateway: GatewayFixture) throws -> (code: Int32, line: String) {
        let r = try runVitalgate(["status", "--home", gateway.home, "--check"])
        return (r.status, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func line(_ gateway: GatewayFixture) throws -> (code: Int32, line: String) {
        let r = try runVitalgate(["status", "--home", gateway.home, "--line"])
        return (r.status, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
