#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FileIO
import MQTT
import Threads
import VitalgateAgent
import VitalgateDev
import Vitals

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act as the gateway's enrolled devices: publish realistic vitals over MQTT.",
        discussion: """
        Each device keeps the device-side contract of Devices/README.md: it keeps readings until the \
        gateway acknowledges them and resends the rest. Values wander within normal adult ranges for \
        each metric's LOINC code; --invalid-every mixes in malformed messages to show rejection.
        """,
        // A test device (module VitalgateDev), not a gateway function: callable, not listed in the help.
        shouldDisplay: false)

    @OptionGroup var home: HomeOptions
    @Option(name: .customLong("mqtt-host"), help: "Broker host.") var mqttHost = "127.0.0.1"
    @Option(name: .customLong("mqtt-port"), help: "Broker port.") var mqttPort: UInt16 = 1883
    @Option(help: ArgumentHelp("Readings per second per device.", valueName: "hz")) var rate = 1.0
    @Option(help: ArgumentHelp("Readings per device, then wait for their acks and stop (0: until interrupted).", valueName: "n")) var count = 0
    @Option(name: .customLong("invalid-every"), help: ArgumentHelp("Every n-th message is invalid (0: never).", valueName: "n")) var invalidEvery = 0
    @Option(name: .customLong("resend-after"), help: ArgumentHelp("Resend a reading unacknowledged this long.", valueName: "seconds")) var resendAfter = 5.0
    @Option(name: .customLong("ack-timeout"), help: ArgumentHelp("With --count: how long to wait for the last acks.", valueName: "seconds")) var ackTimeout = 120.0
    @Option(help: ArgumentHelp("Boot counter the devices report (default: seconds since the epoch, so each run is a new boot).", valueName: "n")) var boot: UInt32?
    @Option(name: .customLong("only"), help: ArgumentHelp("Simulate only these device ids (comma-separated).", valueName: "ids")) var only: String?
    @Option(name: .customLong("password-dir"), help: ArgumentHelp("Folder with one <device-id>.password file per device (broker credentials).", valueName: "dir")) var passwordDir: String?
    @Option(name: .customLong("tls-ca"), help: ArgumentHelp("Connect with TLS, trusting this CA file (PEM), as deployed devices do.", valueName: "file")) var tlsCA: String?

    func validate() throws {
        guard rate > 0 && rate <= 1000 else { throw ValidationError("--rate must be within (0, 1000] readings per second") }
        guard resendAfter > 0 else { throw ValidationError("--resend-after must be > 0") }
    }

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        let enrolled = try DeviceTable(db).statuses().compactMap { id, status -> (String, DeviceProfile)? in
            guard case .enrolled(let p) = status, wanted?.contains(id) ?? true else { return nil }
            return (id, p)
        }.sorted { $0.0 < $1.0 }
        guard !enrolled.isEmpty else { throw CLIError("no enrolled devices to simulate: `vitalgate device add ID --profile NAME` first") }
        let bootCounter = boot ?? UInt32(truncatingIfNeeded: WallClock.nowMillis() / 1000)
        let devices = try enrolled.map { id, profile in
            try SimulatedDevice(id: id, profile: profile, boot: bootCounter, host: mqttHost, port: mqttPort, username: id,
                                password: passwordDir.map { try readSecretLine("\($0)/\(id).password") } ?? nil, tlsCAFile: tlsCA)
        }
        defer { devices.forEach { $0.stop() } }
        Console.out("simulating \(devices.count) devices at \(rate) Hz, boot \(bootCounter): \(enrolled.map(\.0).joined(separator: ", "))")
        var sent = 0
        let resendAfter = Duration.seconds(self.resendAfter)
        var lastResend = ContinuousClock.now
        let period = Duration.seconds(1 / rate)
        var next = ContinuousClock.now
        while count == 0 || sent < count * devices.count {
            for d in devices {
                sent += 1
                let invalid = invalidEvery > 0 && sent % invalidEvery == 0
                try d.publishNext(invalidVariant: invalid ? sent / invalidEvery : nil)
            }
            if lastResend.duration(to: .now) >= .milliseconds(500) {
                devices.forEach { $0.resend(olderThan: resendAfter) }
                lastResend = .now
            }
            next += period
            ThreadSleep.until(next)
        }
        let deadline = ContinuousClock.now + .seconds(ackTimeout)
        while devices.contains(where: { $0.pending > 0 }) && ContinuousClock.now < deadline {
            ThreadSleep.for(.milliseconds(200))
            devices.forEach { $0.resend(olderThan: resendAfter) }
        }
        let pending = devices.reduce(0) { $0 + $1.pending }
        let resent = devices.reduce(0) { $0 + $1.resent }
        Console.out("sent \(sent) messages, resent \(resent), unacknowledged \(pending)")
        if pending > 0 { throw CLIError("\(pending) readings were not acknowledged within \(Int(ackTimeout)) s") }
    }
}
