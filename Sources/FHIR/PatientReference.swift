/// A literal reference to the patient a device is assigned to, e.g.
/// `Patient/123`: the type and a FHIR logical id (`[A-Za-z0-9\-\.]{1,64}`,
/// FHIR R4 datatypes `id`), relative to the clinic server's base URL.
public enum PatientReference {
    public static func isValid(_ reference: String) -> Bool {
        let prefix = "Patient/"
        guard reference.hasPrefix(prefix) else { return false }
        let id = reference.utf8.dropFirst(prefix.utf8.count)
        return (1...64).contains(id.count) && id.allSatisfy { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        }
    }

    public static let syntaxHelp = "a patient reference must be `Patient/<id>` with an id of 1-64 letters, digits, '-' or '.'"
}
