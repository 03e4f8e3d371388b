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
    /// the gateway received before stay with the patient of their time. The
    /// reference is sealed to the database's patient key (`PatientSealer`),
    /// so this needs no secret; a database without one yet is refused
    /// (`PatientSealing.setUp` first). Sealing is randomized, so assigning
    /// the patient a device already has adds a history row naming the same
    /// patient: which readings go to whom does not change.
    public func assign(device: String, patient: String?) throws {
        var value = SQLiteValue.null
        if let patient {
            if !PatientReference.isValid(patient) { throw StoreError(PatientReference.syntaxHelp + ", got `\(patient)`") }
            value = .blob(try Self.sealer(db).seal(patient, device: device))
        }
        try db.cachedStatement("UPDATE devices SET patient = ? WHERE id = ?").run(value, .text(device))
        if db.changes == 0 { throw StoreError("no device `\(device)` (see `vitalgate device list`)") }
    }

    /// The database's sealer, or an error saying how to get one.
    static func sealer(_ db: Database) throws -> PatientSealer {
        guard let sealer = try PatientSealer.recorded(in: db) else {
            throw StoreError("this database has no patient key yet (it was made by an earlier vitalgate): "
                + "start the agent once, or give this command the gateway key, to seal its patient references")
        }
        return sealer
    }

    /// The patient `device` was assigned to at `millis` (gateway clock), as
    /// stored (sealed), or nil if it was unassigned then. The newest
    /// assignment at or before `millis` wins; on a tie, the one made last.
    public func patient(of device: String, at millis: Int64) throws -> StoredPatient? {
        let st = try db.cachedStatement("""
            SELECT patient FROM device_assignments WHERE device = ? AND from_ms <= ?
            ORDER BY from_ms DESC, id DESC LIMIT 1
            """)
        defer { st.reset() }
        try st.bind(.text(device), .integer(millis))
        return try st.step() ? try StoredPatient.from(st.value(0)) : nil
    }
}
