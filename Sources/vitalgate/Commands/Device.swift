import ArgumentParser
import FHIR
import VitalgateAgent

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol, list, assign and revoke devices.",
        subcommands: [DeviceAdd.self, DeviceList.self, DeviceAssign.self, DeviceRevoke.self])
}

struct DeviceAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Enrol a device with a profile.")

    @Argument(help: "The device id (its MQTT topic is vitals/<id>).") var id: String
    @Option(help: "Its profile, e.g. pulse-oximeter (see Devices/).") var profile: String
    @Option(help: "The FHIR patient it is assigned to, e.g. Patient/123.") var patient: String?
    @OptionGroup var home: HomeOptions

    func validate() throws {
        guard isValidIdentifier(id) else {
            throw ValidationError("device id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        if let patient, !PatientReference.isValid(patient) { throw ValidationError(PatientReference.syntaxHelp) }
    }

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome)
        try DeviceTable(db).add(id: id, profile: profile, patient: patient, at: Clock.nowMillis())
        Console.out("enrolled \(id) (\(profile))")
    }
}

struct DeviceList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices, their state and counts.")

    @OptionGroup var home: HomeOptions

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome, readOnly: true)
        let devices = try DeviceTable(db).list()
        Console.out(pad("DEVICE", 20) + pad("PROFILE", 22) + pad("STATE", 10) + pad("PATIENT", 20) + pad("READINGS", 10) + "LAST SEEN (ms)")
        for d in devices {
            Console.out(pad(d.id, 20) + pad(d.profile, 22) + pad(d.status, 10) + pad(d.patient ?? "-", 20) + pad(String(d.readings), 10)
                + (d.lastSeen.map(String.init) ?? "-"))
        }
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

    func validate() throws {
        guard (patient != nil) != none else { throw ValidationError("give either --patient Patient/<id> or --none") }
        if let patient, !PatientReference.isValid(patient) { throw ValidationError(PatientReference.syntaxHelp) }
    }

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome)
        try PatientAssignments(db).assign(device: id, patient: patient)
        Console.out(patient.map { "assigned \(id) to \($0)" } ?? "unassigned \(id)")
    }
}

struct DeviceRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a device: its readings are rejected from now on.")

    @Argument(help: "The device id.") var id: String
    @OptionGroup var home: HomeOptions

    func run() throws {
        let db = try GatewayDatabase.open(home.gatewayHome)
        try DeviceTable(db).revoke(id: id, at: Clock.nowMillis())
        Console.out("revoked \(id)")
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
