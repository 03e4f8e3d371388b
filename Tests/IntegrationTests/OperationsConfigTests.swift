import Foundation
import Testing
import TestSupport

/// Issue 15's configuration items: unknown keys and bad values are refused
/// at `provision --set`, at start and by `config check`, naming where they
/// came from; secrets come from files, never argv; `--version` everywhere.
@Suite(.serialized)
struct OperationsConfigTests {
    @Test func badValuesAreRefusedAtProvisionBeforeAnythingIsWritten() throws {
        let folder = try TemporaryDirectory("vitalgate-config")
        defer { folder.remove() }
        let home = folder.file("home")
        let r = try runVitalgate(["provision", "--home", home, "--gateway-id", "gw", "--devices-dir", repositoryRoot() + "/Devices",
                                  "--set", "mqtt_port=abc"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--set mqtt_port=abc: must be a port number, 1-65535"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home), "nothing written")
        let control = try runVitalgate(["provision", "--home", home, "--gateway-id", "gw", "--devices-dir", repositoryRoot() + "/Devices",
                                        "--set", "mqtt_port=1883", "--set", "ledger_url=http://127.0.0.1:9", "--set", "ledger_cookie=/nonexistent/.cookie"])
        #expect(control.status == 0, "\(control.stderr)")
    }

    @Test func unknownKeysAndBadValuesAreRefusedAtStartAndByConfigCheckWithTheirSource() throws {
        let gateway = try GatewayFixture(settings: ["mqtt_port": "1883", "ledger_url": "http://127.0.0.1:9", "ledger_user": "u",
                                                    "ledger_password_file": "/dev/null"], devices: [])
        defer { gateway.remove() }
        let ok = try runVitalgate(["config", "check", "--home", gateway.home])
        #expect(ok.status == 0, "control: a provisioned home is fine: \(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("ok: "))

        let conf = gateway.home + "/vitalgate.conf"
        let text = try String(contentsOfFile: conf, encoding: .utf8)
        try (text + "anchor_intervall = 60\n").write(toFile: conf, atomically: true, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count
        let check = try runVitalgate(["config", "check", "--home", gateway.home])
        #expect(check.status == 1)
        #expect(check.stdout.contains("error: \(conf) line \(line): unknown setting `anchor_intervall` (did you mean anchor_interval?)"), "\(check.stdout)")
        let run = try runVitalgate(["run", "--home", gateway.home])
        #expect(run.status != 0)
        #expect(run.stderr.contains("\(conf) line \(line): unknown setting `anchor_intervall`"), "\(run.stderr)")

        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        let fromEnvironment = try runVitalgate(["run", "--home", gateway.home], environment: ["VITALGATE_MQTT_PORT": "abc"])
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.stderr.contains("mqtt_port = abc (environment variable VITALGATE_MQTT_PORT): must be a port number"), "\(fromEnvironment.stderr)")
        let fromFlag = try runVitalgate(["run", "--home", gateway.home, "--confirmations", "0"])
        #expect(fromFlag.stderr.contains("confirmations = 0 (flag --confirmations): must be within 1-1000"), "\(fromFlag.stderr)")
        let envCheck = try runVitalgate(["config", "check", "--home", gateway.home], environment: ["VITALGATE_CLOCK_SYNC_REQUIRED": "maybe"])
        #expect(envCheck.status == 1 && envCheck.stdout.contains("clock_sync_required = maybe (environment variable VITALGATE_CLOCK_SYNC_REQUIRED): must be true or false"))
    }

    @Test func passwordsComeFromFilesNeverArgv() throws {
        let gateway = try GatewayFixture(settings: ["mqtt_port": "1883", "ledger_url": "http://127.0.0.1:9", "ledger_cookie": "/nonexistent/.cookie"],
                                         devices: [])
        defer { gateway.remove() }
        for command in [["run", "--home", gateway.home], ["verify", "/nonexistent.json"]] {
            let r = try runVitalgate(command + ["--ledger-user", "u", "--ledger-password", "hunter2"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("--ledger-password would show the password") && r.stderr.contains("--ledger-password-file"), "\(r.stderr)")
        }
        let missing = try runVitalgate(["run", "--home", gateway.home, "--ledger-user", "u", "--ledger-password-file", "/nonexistent/pw"])
        #expect(missing.status != 0 && missing.stderr.contains("--ledger-password-file"), "\(missing.stderr)")
    }

    @Test func everyCommandSaysItsVersion() throws {
        let version = try runVitalgate(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty)
        for command in [["status"], ["run"], ["device", "list"], ["config", "check"], ["export"], ["verify"], ["provision"]] {
            let r = try runVitalgate(command + ["--version"])
            #expect(r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version, "\(command): \(r.stdout)\(r.stderr)")
        }
    }
}
