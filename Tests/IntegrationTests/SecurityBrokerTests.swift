import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

/// Broker access with the shipped deployment configuration
/// (Provisioning/mosquitto-gateway.conf.in): TLS for devices, passwords and
/// ACLs that `provision` and `device add|revoke` write, no anonymous access.
@Suite(.serialized)
struct SecurityBrokerTests {
    @Test func devicesAreConfinedToTheirOwnTopicsAndRevocationLocksThemOut() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let pidFile = certificates.directory.file("mosquitto.pid")
        let gateway = try GatewayFixture(settings: [
            "ledger_url": "http://127.0.0.1:9", "ledger_cookie": certificates.directory.file("no-cookie"),
            "broker_pid_file": pidFile,
        ], devices: [])
        defer { gateway.remove() }
        var cli: [String] = []
        var passwords: [String: String] = [:]
        for id in ["th-1", "th-2"] {
            let out = gateway.directory.file("\(id).password")
            let r = try runVitalgate(["device", "add", id, "--profile", "thermometer", "--home", gateway.home, "--password-out", out])
            #expect(r.status == 0, "\(r.stderr)")
            cli += [r.stdout, r.stderr]
            passwords[id] = contents(out).trimmingCharacters(in: .newlines)
            #expect(passwords[id]?.count == 24)
        }
        let broker = try Broker(secured: BrokerSecurity(
            passwordFile: gateway.home + "/broker/passwd", aclFile: gateway.home + "/broker/acl", pidFile: pidFile,
            certificates: certificates))
        defer { broker.stop() }
        let tls = try #require(broker.tlsPort)
        try gateway.startAgentAndWaitForBroker(["--mqtt-port", String(broker.port)])

        // Anonymous connections are refused on both listeners, and so is a wrong password.
        for (port, ca) in [(broker.port, nil), (tls, certificates.caFile)] as [(UInt16, String?)] {
            let anonymous = try SecureDevice(id: "anon", user: nil, password: nil, port: port, caFile: ca, timeout: 3)
            #expect(!anonymous.connected, "anonymous on port \(port)")
            anonymous.stop()
        }
        let guessing = try SecureDevice(id: "guess", user: "th-1", password: passwords["th-2"], port: tls, caFile: certificates.caFile, timeout: 3)
        #expect(!guessing.connected)
        guessing.stop()
        // The TLS listener speaks only TLS.
        let plain = try SecureDevice(id: "plain", user: "th-1", password: passwords["th-1"], port: tls, caFile: nil, timeout: 3)
        #expect(!plain.connected)
        plain.stop()

        // Over TLS, verified against the test CA (MQTTClient.Configuration.tlsCAFile).
        let th1 = try SecureDevice(id: "th-1", user: "th-1", password: passwords["th-1"], port: tls, caFile: certificates.caFile)
        defer { th1.stop() }
        let th2 = try SecureDevice(id: "th-2", user: "th-2", password: passwords["th-2"], port: tls, caFile: certificates.caFile)
        defer { th2.stop() }
        try #require(th1.connected && th2.connected, "broker log: \(broker.output())")
        try th1.client.subscribe("vitals/th-2", qos: 1)   // denied: a device reads only its own acks
        try th1.client.subscribe("vitals/th-1/ack", qos: 1)
        usleep(300_000)

        try th1.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: 1, temp: "36.5"))
        // th-1 posing as th-2: the broker's ACL drops it, so the agent never sees it.
        try th1.publish("vitals/th-2", SecureDevice.thermometer(device: "th-2", seq: 1, temp: "37.1"))
        // th-1 naming th-2 in its own topic: the agent rejects the mismatch.
        try th1.publish("vitals/th-1", SecureDevice.thermometer(device: "th-2", seq: 2, temp: "37.2"))
        try th1.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: 3, temp: "36.6"))
        try th2.publish("vitals/th-2", SecureDevice.thermometer(device: "th-2", seq: 1, temp: "36.7"))
        try gateway.waitForStatus(timeout: 20, "3 stored, 1 rejected") { s in
            s["stored"]?.int64 == 3 && s["rejected"]?.int64 == 1
        }
        usleep(500_000)  // anything late would show up now
        let status = try gateway.status()
        #expect(status["rejected_by_reason"]?.object?.members.map(\.key) == ["device_mismatch"])
        let db = try gateway.readOnlyDatabase()
        let stored = try db.prepare("SELECT device, seq FROM readings ORDER BY device, seq").rows { "\($0.text(0) ?? "")#\($0.int64(1))" }
        #expect(stored == ["th-1#1", "th-1#3", "th-2#1"], "th-2 seq 1 must be th-2's own reading")
        #expect(!th1.received.contains("vitals/th-2"), "th-1 read th-2's readings: \(th1.received)")
        #expect(th1.received.contains("vitals/th-1/ack"), "th-1 gets its own acks")

        // Revocation: credentials and ACL entries go, the broker reloads, th-2 cannot log in again.
        let revoke = try runVitalgate(["device", "revoke", "th-2", "--home", gateway.home])
        #expect(revoke.status == 0, "\(revoke.stderr)")
        #expect(revoke.stderr.contains("broker reloaded (SIGHUP to pid"), "\(revoke.stderr)")
        cli += [revoke.stdout, revoke.stderr]
        #expect(!contents(gateway.home + "/broker/passwd").contains("th-2:"))
        #expect(!contents(gateway.home + "/broker/acl").contains("th-2"))
        try waitUntil(timeout: 10, "the broker to drop th-2's session") { !th2.client.isConnected }
        let again = try SecureDevice(id: "th-2b", user: "th-2", password: passwords["th-2"], port: tls, caFile: certificates.caFile, timeout: 3)
        #expect(!again.connected, "a revoked device logged in")
        again.stop()
        let show = try runVitalgate(["device", "show", "th-2", "--home", gateway.home])
        #expect(show.stdout.contains("state        revoked"), "\(show.stdout)")
        #expect(show.stdout.contains("no credentials"))
        #expect(show.stdout.contains("readings     1"))
        let list = try runVitalgate(["device", "list", "--home", gateway.home])
        #expect(list.stdout.contains("th-1") && list.stdout.contains("enrolled"))
        cli += [show.stdout, list.stdout]

        // The agent's own login still works; th-1 still publishes.
        try th1.publish("vitals/th-1", SecureDevice.thermometer(device: "th-1", seq: 4, temp: "36.4"))
        try gateway.waitForStatus(timeout: 20, "th-1 seq 4 stored") { $0["stored"]?.int64 == 4 }
        gateway.stopAgent()

        // Nothing secret in the logs or the CLI output.
        let agentPassword = contents(gateway.home + "/broker/agent.password").trimmingCharacters(in: .newlines)
        let logs = gateway.agentLogs() + broker.output() + cli.joined()
        for secret in Array(passwords.values) + [agentPassword] {
            #expect(!logs.contains(secret), "a broker password appears in the logs")
        }
    }
}
