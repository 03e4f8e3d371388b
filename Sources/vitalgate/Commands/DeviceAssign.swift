import ArgumentParser
import FHIR
import ProofBundle
import VitalgateAgent

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
            try AccessTrail.record(AccessEventDraft(patient == nil ? .deviceUnassign : .deviceAssign, ts: Clock.nowMillis(), details: details), in: db)
        }
        Console.out(patient.map { "assigned \(id) to \($0)" } ?? "unassigned \(id)")
    }
}
