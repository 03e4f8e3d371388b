import Codecs
import ArgumentParser
import JSON
import SQLiteStore
import VitalgateAgent
import FileIO
import FHIR
import ProofBundle
import Sodium
import Vitals

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol, list, show, assign and revoke devices.",
        discussion: """
        add and revoke rewrite the broker's password and ACL files and reload the broker. Patient references \
        are sealed at rest: add and assign need no secret key; list and show print them only with --reveal, \
        which needs the gateway key (docs/security.md).
        """,
        subcommands: [DeviceAdd.self, DeviceList.self, DeviceShow.self, DeviceAssign.self, DeviceRevoke.self])
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

/// Before writing a patient reference. A database made by an earlier release
/// has no patient key until something holding the secret key seals its
/// references (docs/security.md, "Vitals at rest"); rather than write one
/// more reference in the clear, do it now, with the gateway key (asked for
/// once, like `export`). A provisioned or already sealed database needs no key.
func preparePatientSealing(_ home: GatewayHome, _ db: Database, _ key: KeyOptions) throws {
    guard try PatientSealer.recorded(in: db) == nil else { return }
    Console.err("patient references in this database are not sealed yet; sealing them with the gateway key")
    let secret = try GatewayIdentity.loadSecretKey(home: home, passphraseFile: try key.resolved(home))
    guard try db.meta("public_key").map({ $0 == Hex.encode(secret.publicKey.bytes) }) ?? true else {
        throw CLIError("\(home.secretKeyFile) is not this database's gateway key; nothing was sealed")
    }
    let sealed = try PatientSealing.setUp(db, cipher: PatientCipher(gatewayKey: secret))
    Console.err("sealed \(sealed) patient references")
}

/// `--reveal` for `device list` and `device show`. Patient references are
/// sealed at rest, so by default they only say whether a device is assigned;
/// showing the reference needs the gateway key, as `export --fhir` does.
struct RevealOptions: ParsableArguments {
    @Flag(help: "Show patient references, not only whether a device is assigned (needs the gateway key).")
    var reveal = false
    @OptionGroup var key: KeyOptions

    /// The cipher to open references with; nil without --reveal.
    func cipher(_ home: GatewayHome) throws -> PatientCipher? {
        guard reveal else { return nil }
        return PatientCipher(gatewayKey: try GatewayIdentity.loadSecretKey(home: home, passphraseFile: try key.resolved(home)))
    }
}

/// The patient column: "-" when unassigned, "assigned" without the key, the reference with it.
func patientText(_ stored: StoredPatient?, device: String, _ cipher: PatientCipher?) throws -> String {
    guard let stored else { return "-" }
    guard let cipher else { return "assigned" }
    return try cipher.open(stored, device: device)
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
    /// Only for a database from before patient sealing (see `preparePatientSealing`).
    @OptionGroup var key: KeyOptions

    func validate() throws {
        guard Identifier.isDeviceID(id) else {
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
        let now = WallClock.nowMillis()
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

struct DeviceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices, their state and counts.")

    @OptionGroup var home: HomeOptions
    @OptionGroup var reveal: RevealOptions

    func run() throws {
        let cipher = try reveal.cipher(home.gatewayHome)
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let devices = try DeviceTable(db).list()
        Console.out(pad("DEVICE", 20) + pad("PROFILE", 22) + pad("STATE", 10) + pad("PATIENT", 20) + pad("BROKER", 8) + pad("READINGS", 10) + pad("REJECTED", 10) + "LAST SEEN (UTC)")
        for d in devices {
            Console.out(pad(d.id, 20) + pad(d.profile, 22) + pad(d.status, 10) + pad(try patientText(d.patient, device: d.id, cipher), 20) + pad(d.hasBrokerCredentials ? "yes" : "no", 8)
                + pad(String(d.readings), 10) + pad(String(d.rejectionsRecorded), 10) + (d.lastSeen.map { WallClock.iso8601(millis: $0) } ?? "-"))
        }
    }
}

struct DeviceShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one device: enrolment, broker access, last seen, counts.")

    @Argument(help: "The device id.") var id: String
    @OptionGroup var home: HomeOptions
    @OptionGroup var reveal: RevealOptions

    func run() throws {
        let cipher = try reveal.cipher(home.gatewayHome)
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        guard let d = try DeviceTable(db).show(id: id) else { throw CLIError("no device `\(id)` (see `vitalgate device list`)") }
        Console.out("device       \(d.id)")
        Console.out("profile      \(d.profile)")
        Console.out("state        \(d.status)" + (d.revokedAt.map { " (revoked at \(WallClock.iso8601(millis: $0)))" } ?? ""))
        Console.out("enrolled at  \(WallClock.iso8601(millis: d.enrolledAt))")
        Console.out("patient      \(try patientText(d.patient, device: d.id, cipher))")
        Console.out("broker       \(d.hasBrokerCredentials ? "may connect as user \(d.id)" : "no credentials")")
        Console.out("last seen    \(d.lastSeen.map { "\(WallClock.iso8601(millis: $0)) (\(WallClock.age(of: $0)))" } ?? "never")")
        Console.out("readings     \(d.readings)")
        Console.out("rejected     \(d.rejectionsRecorded) (in the bounded rejection record)")
    }
}

struct DeviceAssign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign", abstract: "Assign a device to a patient, or unassign it (--none).",
        discussion: "Takes effect for readings the gateway receives from now on; readings received before keep the patient of their time (docs/fhir.md).")

    @Argument(help: "The device id.") var id: String
    @Option(help: "The FHIR patient, e.g. Patient/123.") var patient: String?
    @Flag(help: "Unassign: the device's readings are not delivered to any patient.") var none = false
    @OptionGroup var home: HomeOptions
    /// Only for a database from before patient sealing (see `preparePatientSealing`).
    @OptionGroup var key: KeyOptions

    func validate() throws {
        guard (patient != nil) != none else { throw ValidationError("give either --patient Patient/<id> or --none") }
        if let patient, !PatientReference.isValid(patient) { throw ValidationError(PatientReference.syntaxHelp) }
    }

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome)
        if patient != nil { try preparePatientSealing(home.gatewayHome, db, key) }
        try db.transaction(.immediate) {
            try PatientAssignments(db).assign(device: id, patient: patient)
            var details: [String: AccessEvent.Value] = ["device": .string(id), "actor": .string(cliActor())]
            if let patient { details["patient"] = .string(patient) }
            try AccessTrail.record(AccessEventDraft(patient == nil ? .deviceUnassign : .deviceAssign, ts: WallClock.nowMillis(), details: details), in: db)
        }
        Console.out(patient.map { "assigned \(id) to \($0)" } ?? "unassigned \(id)")
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
        let now = WallClock.nowMillis()
        try db.transaction(.immediate) {
            try DeviceTable(db).revoke(id: id, at: now)
            try AccessTrail.record(AccessEventDraft(.deviceRevoke, ts: now, details: ["device": .string(id), "actor": .string(cliActor())]), in: db)
        }
        let broker = try brokerFiles(gatewayHome)
        try broker.write(db)
        Console.err(broker.reload())
        Console.out("revoked \(id)")
    }
}
