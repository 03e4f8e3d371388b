import ArgumentParser
import FHIR
import ProofBundle
import Sodium
import VitalgateAgent

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
    /// Only for a database from before patient sealing (see `preparePatientSealing`).
    @OptionGroup var key: KeyOptions

    func validate() throws {
        guard isValidIdentifier(id) else {
            throw ValidationError("device id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        guard id != BrokerAccount.agentUser else { throw ValidationError("`\(id)` is the agent's broker user name") }
        if let patient, !PatientReference.isValid(patient) { throw ValidationError(PatientReference.syntaxHelp) }
    }

    func run() throws {
        let gatewayHome = home.gatewayHome
        guard Files.exists(gatewayHome.secretKeyFile) else {
            throw CLIError("\(gatewayHome.path) is not a provisioned gateway (no gateway.key): run `vitalgate provision` first")
        }
        let db = try GatewayDatabase.open(gatewayHome)
        if patient != nil { try preparePatientSealing(gatewayHome, db, key) }
        let (account, password) = BrokerAccount.issue(user: id)
        let now = Clock.nowMillis()
        try db.transaction(.immediate) {
            try DeviceTable(db).add(id: id, profile: profile, patient: patient, brokerLine: account.line, at: now)
            var details: [String: AccessEvent.Value] = ["device": .string(id), "profile": .string(profile), "actor": .string(cliActor())]
            if let patient { details["patient"] = .string(patient) }
            try AccessTrail.record(AccessEventDraft(.deviceEnrol, ts: now, details: details), in: db)
        }
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
