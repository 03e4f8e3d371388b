import FHIR
import JSON
import SQLiteStore
import Vitals

/// `vitalgate export --fhir`: the Observations of one device's readings, as
/// delivery would make them, for a span of reading time. It needs what the
/// queue holds (the database, the sealed readings' and patients' ciphers)
/// and changes nothing.
extension DeliveryQueue {
    public struct FHIRExport {
        /// One compact JSON Observation per line (NDJSON), in log order.
        public let lines: [String]
        /// Readings in the span that had no patient when received: not exported.
        public let unassigned: Int
    }

    /// Readings of `device` with `from <= ts < to` (milliseconds), each with
    /// the patient the device was assigned to when the gateway received it.
    public func exportObservations(device: String, from: Int64, to: Int64, gatewayID: String) throws -> FHIRExport {
        guard let profileJSON = try db.prepare("SELECT p.json FROM devices d JOIN profiles p ON p.name = d.profile WHERE d.id = ?")
            .rows(.text(device), map: { $0.blob(0) ?? [] }).first else {
            throw StoreError("no device `\(device)` (see `vitalgate device list`)")
        }
        let profile = try DeviceProfile.parse(profileJSON)
        let assignments = PatientAssignments(db)
        var lines: [String] = []
        var unassigned = 0
        // One device's readings share few assignments: open each blob once.
        var opened: [StoredPatient: String] = [:]
        let rows = try db.prepare("SELECT leaf, received_at, leaf_index, boot, seq, ts FROM readings WHERE device = ? AND ts >= ? AND ts < ? ORDER BY leaf_index")
            .rows(.text(device), .integer(from), .integer(to)) {
                ($0.blob(0) ?? [], $0.int64(1), LeafCipher.Row(index: UInt64($0.int64(2)), device: device, boot: UInt32(truncatingIfNeeded: $0.int64(3)),
                                                              seq: UInt64($0.int64(4)), ts: $0.int64(5)))
            }
        for (sealed, receivedAt, row) in rows {
            guard let stored = try assignments.patient(of: device, at: receivedAt) else {
                unassigned += 1
                continue
            }
            let patient = try opened[stored] ?? patients.open(stored, device: device)
            opened[stored] = patient
            let leaf = try ReadingLeaf(bytes: try cipher.open(sealed, row: row))
            let context = ObservationContext(gatewayID: gatewayID, patient: patient, profile: profile)
            lines += VitalSignObservations.make(leaf, context).map { $0.resource.serialized() }
        }
        return FHIRExport(lines: lines, unassigned: unassigned)
    }
}
