import FHIR
import SQLiteStore

/// Which patient a device is assigned to, now and at any past moment. The
/// history lives in `device_assignments`, kept by triggers on
/// `devices.patient` (schema version 2), so enrolment with `--patient` and
/// later changes are both recorded with the time they took effect.
public struct PatientAssignments {
    let db: Database

    public init(_ db: Database) { self.db = db }

    /// Assigns `device` to `patient` from now on; nil unassigns it. Readings
    /// the gateway received before stay with the patient of their time.
    public func assign(device: String, patient: String?) throws {
        if let patient, !PatientReference.isValid(patient) { throw StoreError(PatientReference.syntaxHelp + ", got `\(patient)`") }
        try db.cachedStatement("UPDATE devices SET patient = ? WHERE id = ?").run(SQLiteValue(patient), .text(device))
        if db.changes == 0 { throw StoreError("no device `\(device)` (see `vitalgate device list`)") }
    }

    /// The patient `device` was assigned to at `millis` (gateway clock), or
    /// nil if it was unassigned then. The newest assignment at or before
    /// `millis` wins; on a tie, the one made last.
    public func patient(of device: String, at millis: Int64) throws -> String? {
        let st = try db.cachedStatement("""
            SELECT patient FROM device_assignments WHERE device = ? AND from_ms <= ?
            ORDER BY from_ms DESC, id DESC LIMIT 1
            """)
        defer { st.reset() }
        try st.bind(.text(device), .integer(millis))
        return try st.step() ? st.text(0) : nil
    }
}
