import ArgumentParser
import Sodium
import VitalgateAgent

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol, list, show and revoke devices.",
        discussion: "add and revoke rewrite the broker's password and ACL files and reload the broker (docs/security.md).",
        subcommands: [DeviceAdd.self, DeviceList.self, DeviceShow.self, DeviceRevoke.self])
}

struct DeviceAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Enrol a device with a profile and issue its broker credentials.",
        discussion: """
        The device's MQTT user name is its id; its random password is printed once on stdout (or written \
        to --password-out) and only its hash is kept. It may publish only to vitals/<id> and read only \
        vitals/<id>/ack.
        """)

    @Argument(help: "The device id (its MQTT topic is vitals/<id>).") var id: String
    @Option(help: "Its profile, e.g. pulse-oximeter (see Devices/).") var profile: String
    @Option(help: "The FHIR patient it is assigned to, e.g. Patient/123.") var patient: String?
    @Option(name: .customLong("password-out"),
            help: ArgumentHelp("Write the device's broker password to this new file (mode 0600) instead of printing it.", valueName: "file"))
    var passwordOut: String?
    @OptionGroup var home: HomeOptions

    func validate() throws {
        guard isValidIdentifier(id) else {
            throw ValidationError("device id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        guard id != BrokerAccount.agentUser else { throw ValidationError("`\(id)` is the agent's broker user name") }
    }

    func run() throws {
        let gatewayHome = home.gatewayHome
        let db = try GatewayDatabase.open(gatewayHome)
        let (account, password) = BrokerAccount.issue(user: id)
        try DeviceTable(db).add(id: id, profile: profile, patient: patient, brokerLine: account.line, at: Clock.nowMillis())
        let broker = try brokerFiles(gatewayHome)
        try broker.write(db)
        Console.err(broker.reload())
        if let passwordOut {
            var secret = Array((password + "\n").utf8)
            defer { sodiumZero(&secret) }
            try Files.write(secret, to: passwordOut, mode: 0o600, overwrite: false)
            Console.out("enrolled \(id) (\(profile)); broker user \(id), password written to \(passwordOut)")
        } else {
            Console.out("enrolled \(id) (\(profile)); broker user \(id), password (shown once, not stored): \(password)")
        }
    }
}

struct DeviceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices, their state and counts.")

    @OptionGroup var home: HomeOptions

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let devices = try DeviceTable(db).list()
        Console.out(pad("DEVICE", 20) + pad("PROFILE", 22) + pad("STATE", 10) + pad("BROKER", 8) + pad("READINGS", 10) + pad("REJECTED", 10) + "LAST SEEN (ms)")
        for d in devices {
            Console.out(pad(d.id, 20) + pad(d.profile, 22) + pad(d.status, 10) + pad(d.hasBrokerCredentials ? "yes" : "no", 8)
                + pad(String(d.readings), 10) + pad(String(d.rejectionsRecorded), 10) + (d.lastSeen.map(String.init) ?? "-"))
        }
    }
}

struct DeviceShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one device: enrolment, broker access, last seen, counts.")

    @Argument(help: "The device id.") var id: String
    @OptionGroup var home: HomeOptions

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        guard let d = try DeviceTable(db).show(id: id) else { throw CLIError("no device `\(id)` (see `vitalgate device list`)") }
        Console.out("device       \(d.id)")
        Console.out("profile      \(d.profile)")
        Console.out("state        \(d.status)" + (d.revokedAt.map { " (revoked at \($0) ms)" } ?? ""))
        Console.out("enrolled at  \(d.enrolledAt) ms")
        Console.out("patient      \(d.patient ?? "-")")
        Console.out("broker       \(d.hasBrokerCredentials ? "may connect as user \(d.id)" : "no credentials")")
        Console.out("last seen    \(d.lastSeen.map { "\($0) ms" } ?? "never")")
        Console.out("readings     \(d.readings)")
        Console.out("rejected     \(d.rejectionsRecorded) (in the bounded rejection record)")
    }
}

struct DeviceRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a device: its broker credentials and ACL entries go, and its readings are rejected from now on.")

    @Argument(help: "The device id.") var id: String
    @OptionGroup var home: HomeOptions

    func run() throws {
        let gatewayHome = home.gatewayHome
        let db = try GatewayDatabase.open(gatewayHome)
        try DeviceTable(db).revoke(id: id, at: Clock.nowMillis())
        let broker = try brokerFiles(gatewayHome)
        try broker.write(db)
        Console.err(broker.reload())
        Console.out("revoked \(id)")
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
