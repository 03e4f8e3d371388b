import Codecs
import JSON
import SQLiteStore

/// Sealing the patient references already in a database, with the secret
/// key (docs/security.md, "Vitals at rest").
///
/// A schema migration cannot do it: it runs in every command, most of which
/// have no secret key, and the patient key pair is derived from the secret
/// key, so not even its public half can be known before (the Ed25519 public
/// key in `meta` could be converted to X25519, but then signing and sealing
/// would share a key). So a database made by an earlier release keeps its
/// references in the clear until the first command that has the secret key
/// runs `setUp`: the agent at start, `rotate-key`, or `device add --patient` /
/// `device assign --patient` (which then ask for the key once). `setUp` seals
/// every clear reference and records the public key in one transaction;
/// from then on writers seal, and readers accept both forms, so a database
/// in between works throughout.
public enum PatientSealing {
    /// The `meta` key of the patient key's public half (hex).
    public static let metaKey = "patient_key"
    /// Rows re-sealed per statement, to bound memory on a large log.
    static let batch = 1000

    /// Seals every reference still in the clear and records `cipher`'s public
    /// key, in one transaction; returns how many were sealed. Refuses a
    /// database whose references are sealed to another key. Cheap once done:
    /// the large `deliveries` table is read only when the key was not yet
    /// recorded, or the small tables show an earlier release wrote since.
    ///
    /// Sealing in place would leave the clear text behind in the file: in the
    /// free space of the rewritten pages and in the WAL's older frames. So the
    /// pass runs with `secure_delete` on (SQLite zeroes what it frees), and a
    /// `wal_checkpoint(TRUNCATE)` afterwards empties the WAL (best effort: a
    /// reader still on an older snapshot makes it wait or give up, and the
    /// frames are then overwritten as the WAL is reused).
    @discardableResult
    public static func setUp(_ db: Database, cipher: PatientCipher) throws -> Int {
        let secureDelete = try db.prepare("PRAGMA secure_delete").rows { $0.int64(0) }.first ?? 0
        try db.execute("PRAGMA secure_delete = ON")
        defer { try? db.execute("PRAGMA secure_delete = \(secureDelete)") }
        let sealed = try sealClear(db, cipher: cipher)
        if sealed > 0 { _ = try? db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").rows { $0.int64(0) } }
        return sealed
    }

    private static func sealClear(_ db: Database, cipher: PatientCipher) throws -> Int {
        try db.transaction(.immediate) {
            let ours = Hex.encode(cipher.sealer.publicKey.bytes)
            if let recorded = try db.meta(metaKey) {
                guard recorded == ours else {
                    throw StoreError("the patient references in this database are sealed to another gateway key than gateway.key")
                }
                let clear = try db.scalar("""
                    SELECT (SELECT COUNT(*) FROM devices WHERE typeof(patient) = 'text')
                         + (SELECT COUNT(*) FROM device_assignments WHERE typeof(patient) = 'text')
                    """)
                if clear == 0 { return 0 }
            }
            let sealed = try reseal(db, opening: nil, to: cipher.sealer)
            try db.setMeta(metaKey, ours)
            return sealed
        }
    }

    /// `rotate-key`, inside its transaction: every reference, sealed or
    /// clear, opened with `old` and sealed again to `new`, and `new` recorded.
    static func rotate(_ db: Database, from old: PatientCipher, to new: PatientCipher) throws {
        _ = try reseal(db, opening: old, to: new.sealer)
        try db.setMeta(metaKey, Hex.encode(new.sealer.publicKey.bytes))
    }

    /// Seals to `sealer` every reference that `opening` opens, or, with
    /// `opening` nil, every clear one; returns the count. The caller holds a
    /// transaction. Rewriting `devices.patient` fires the `device_reassigned`
    /// trigger (the new blob differs from the old): the history rows it adds
    /// are not changes of patient and are removed again, so the assignment
    /// history keeps its rows and times.
    static func reseal(_ db: Database, opening old: PatientCipher?, to sealer: PatientSealer) throws -> Int {
        // Without `old`, only clear references are selected; with it, all.
        let onlyClear = old == nil ? "AND typeof(patient) = 'text'" : ""
        func renew(_ stored: StoredPatient, _ device: String) throws -> SQLiteValue {
            let patient: String
            if let old {
                patient = try old.open(stored, device: device)
            } else if case .clear(let text) = stored {
                patient = text
            } else {
                return stored.value
            }
            return .blob(try sealer.seal(patient, device: device))
        }
        var count = 0
        let lastAssignment = try db.scalar("SELECT COALESCE(MAX(id), 0) FROM device_assignments")
        let devices = try db.prepare("SELECT id, patient FROM devices WHERE patient IS NOT NULL \(onlyClear)")
            .rows { ($0.text(0) ?? "", try StoredPatient.from($0.value(1))) }
        let updateDevice = try db.cachedStatement("UPDATE devices SET patient = ? WHERE id = ?")
        for case let (device, stored?) in devices {
            try updateDevice.run(try renew(stored, device), .text(device))
            count += 1
        }
        try db.cachedStatement("DELETE FROM device_assignments WHERE id > ?").run(.integer(lastAssignment))

        let assignments = try db.prepare("SELECT id, device, patient FROM device_assignments WHERE patient IS NOT NULL \(onlyClear)")
            .rows { ($0.int64(0), $0.text(1) ?? "", try StoredPatient.from($0.value(2))) }
        let updateAssignment = try db.cachedStatement("UPDATE device_assignments SET patient = ? WHERE id = ?")
        for case let (id, device, stored?) in assignments {
            try updateAssignment.run(try renew(stored, device), .integer(id))
            count += 1
        }

        // One row per delivered or queued reading: in batches by leaf index.
        let updateDelivery = try db.cachedStatement("UPDATE deliveries SET patient = ? WHERE leaf_index = ?")
        var after: Int64 = -1
        while true {
            let rows = try db.prepare("""
                SELECT d.leaf_index, r.device, d.patient FROM deliveries d JOIN readings r ON r.leaf_index = d.leaf_index
                WHERE d.leaf_index > ? AND d.patient IS NOT NULL \(old == nil ? "AND typeof(d.patient) = 'text'" : "")
                ORDER BY d.leaf_index LIMIT \(batch)
                """).rows(.integer(after)) { ($0.int64(0), $0.text(1) ?? "", try StoredPatient.from($0.value(2))) }
            guard let last = rows.last else { return count }
            for case let (index, device, stored?) in rows {
                try updateDelivery.run(try renew(stored, device), .integer(index))
                count += 1
            }
            after = last.0
        }
    }
}
