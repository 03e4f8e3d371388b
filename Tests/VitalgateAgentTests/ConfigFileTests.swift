import Testing
import VitalgateAgent

@Suite struct ConfigFileTests {
    @Test func readsKeysValuesCommentsAndQuotes() throws {
        let file = try ConfigFile(parsing: """
            # a comment
            gateway_id = ward3-gw1
              mqtt_port=1883   # trailing comment

            mqtt_password_file = "/etc/vg/pass#word"
            empty =
            """)
        #expect(file["gateway_id"] == "ward3-gw1")
        #expect(file["mqtt_port"] == "1883")
        #expect(file["mqtt_password_file"] == "/etc/vg/pass#word")
        #expect(file["empty"] == "")
        #expect(file["missing"] == nil)
    }

    @Test(arguments: ["no equals sign", "bad key! = 1", "a = \"unterminated", "a = 1\na = 2", " = 3"])
    func refusesMalformedLines(_ text: String) {
        #expect(throws: ConfigFile.ParseError.self) { try ConfigFile(parsing: text) }
    }

    @Test func flagsOverrideEnvironmentOverrideFileOverrideDefaults() throws {
        let file = try ConfigFile(parsing: "gateway_id = gw\nmqtt_port = 1000\ncheckpoint_interval = 30\nledger_user = u\nledger_password = p")
        let config = try AgentConfig(home: GatewayHome(path: "/tmp/x/"), file: file,
                                     overrides: ["mqtt_port": "3000"],
                                     environment: ["VITALGATE_MQTT_PORT": "2000", "VITALGATE_CHECKPOINT_INTERVAL": "45"])
        #expect(config.mqttPort == 3000)
        #expect(config.checkpointInterval == 45)
        #expect(config.anchorInterval == 600)
        #expect(config.mqttClientID == "vitalgate-gw")
        #expect(config.home.path == "/tmp/x")
    }

    @Test func settingsThatContradictEachOtherAreRefusedWithTheReason() throws {
        let file = try ConfigFile(parsing: "gateway_id = gw\nledger_user = u\nledger_password = p\ncheckpoint_interval = 60\nanchor_interval = 10")
        #expect {
            try AgentConfig(home: GatewayHome(path: "/tmp/x"), file: file, overrides: [:], environment: [:])
        } throws: { "\($0)".contains("anchor_interval") }
        let noLedger = try ConfigFile(parsing: "gateway_id = gw")
        #expect {
            try AgentConfig(home: GatewayHome(path: "/tmp/x"), file: noLedger, overrides: [:], environment: [:])
        } throws: { "\($0)".contains("ledger credentials") }
    }

    @Test func everySettingAppearsInTheTemplate() {
        let text = ConfigTemplate.render(values: ["gateway_id": "gw"])
        for setting in Setting.all { #expect(text.contains(setting.key), "\(setting.key)") }
        #expect(text.contains("gateway_id = gw\n"))
    }
}

@Suite struct BackoffTests {
    @Test func growsExponentiallyWithJitterUpToTheCap() {
        var backoff = Backoff(base: .seconds(1), cap: .seconds(8))
        let delays = (0..<8).map { _ in backoff.nextDelay() }
        let ceilings: [Duration] = [1, 2, 4, 8, 8, 8, 8, 8].map { .seconds($0) }
        for (d, c) in zip(delays, ceilings) { #expect(d >= c / 2 && d <= c, "\(d) not in [\(c / 2), \(c)]") }
        backoff.reset()
        #expect(backoff.nextDelay() <= .seconds(1))
    }
}
