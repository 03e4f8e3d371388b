import ArgumentParser
import MQTT
import Vitals
import VitalgateAgent
#if canImport(Glibc)
import Glibc
#endif

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act as the gateway's enrolled devices: publish realistic vitals over MQTT.",
        discussion: "For demos and soak runs. Values wander within normal adult ranges for each metric's LOINC code; --invalid-every mixes in malformed messages to show rejection.")

    @OptionGroup var home: HomeOptions
    @Option(name: .customLong("mqtt-host"), help: "Broker host.") var mqttHost = "127.0.0.1"
    @Option(name: .customLong("mqtt-port"), help: "Broker port.") var mqttPort: UInt16 = 1883
    @Option(help: ArgumentHelp("Readings per second per device.", valueName: "hz")) var rate = 1.0
    @Option(help: ArgumentHelp("Readings per device, then stop (0: until interrupted).", valueName: "n")) var count = 0
    @Option(name: .customLong("invalid-every"), help: ArgumentHelp("Every n-th message is invalid (0: never).", valueName: "n")) var invalidEvery = 0

    func validate() throws {
        guard rate > 0 && rate <= 1000 else { throw ValidationError("--rate must be within (0, 1000] readings per second") }
    }

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let statuses = try DeviceTable(db).statuses()
        var devices: [(id: String, profile: DeviceProfile)] = statuses.compactMap { id, status in
            if case .enrolled(let p) = status { return (id, p) } else { return nil }
        }
        devices.sort { $0.id < $1.id }
        guard !devices.isEmpty else { throw CLIError("no enrolled devices: `vitalgate device add ID --profile NAME` first") }
        MQTTLibrary.initialize()
        var config = MQTTClient.Configuration(clientID: "vitalgate-simulator-\(getpid())", cleanSession: true)
        config.host = mqttHost
        config.port = mqttPort
        let client = try MQTTClient(config)
        try client.start()
        guard client.waitUntilConnected(timeout: 10) else { throw CLIError("cannot reach the broker at \(mqttHost):\(mqttPort)") }
        var generators = devices.map { VitalsGenerator(device: $0.id, profile: $0.profile) }
        let start = Clock.nowMillis()
        var seq: UInt64 = UInt64(start)  // a fresh seq range per run, increasing
        var sent = 0
        Console.out("simulating \(devices.count) devices at \(rate) Hz: \(devices.map(\.id).joined(separator: ", "))")
        while count == 0 || sent < count * devices.count {
            seq += 1
            for i in generators.indices {
                sent += 1
                let payload = invalidEvery > 0 && sent % invalidEvery == 0
                    ? generators[i].invalidPayload(seq: seq, variant: sent / invalidEvery)
                    : generators[i].payload(seq: seq, ts: Clock.nowMillis())
                try client.publish(topic: "vitals/\(generators[i].device)", payload: Array(payload.utf8), qos: 1)
            }
            usleep(UInt32(1_000_000 / rate))
        }
        usleep(500_000)
        client.stop()
        Console.out("sent \(sent) messages")
    }
}
