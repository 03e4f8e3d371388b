import Codecs
import Foundation
import JSON
import SQLiteStore
import Sodium
import Testing
import TestSupport
@testable import VitalgateAgent

/// Patient references at rest (docs/security.md, "Vitals at rest"): the
/// cipher on its own, then sealing a database that an earlier release left
/// in the clear, and re-sealing on key rotation, on a real SQLite file.
@Suite struct PatientSealingTests {
    let gatewayKey: Ed25519SecretKey
    let cipher: PatientCipher

    init() throws {
        gatewayKey = try Ed25519SecretKey.generate()
        cipher = PatientCipher(gatewayKey: gatewayKey)
    }

    @Test func roundTripSwapAndWrongKey() throws {
        let sealed = try cipher.sealer.seal("Patient/123", device: "ox-1")
        #expect(try cipher.open(.sealed(sealed), device: "ox-1") == "Patient/123")
        #expect(sealed.count == 160 + 48, "padded: the length of the patient id does not show")
        #expect(try cipher.sealer.seal("Patient/1", device: "ox-1").count == sealed.count)
        #expect(!sealed.contains(bytes: Array("Patient/".utf8)))
        // Moved to another device's row: refused, and the error does not name the patient.
        let swapped = #expect(throws: StoreError.self) { try cipher.open(.sealed(sealed), device: "ox-2") }
        #expect(swapped.map { !"\($0)".contains("Patient/123") } == true)
        // Another gateway key, or a changed byte: refused.
        #expect(throws: StoreError.self) { try PatientCipher(gatewayKey: try Ed25519SecretKey.generate()).open(.sealed(sealed), device: "ox-1") }
        var flipped = sealed
        flipped[100] ^= 1
        #expect(throws: StoreError.self) { try cipher.open(.sealed(flipped), device: "ox-1") }
        // A box to the right key whose message is not a patient message of this form: refused.
        let foreign = cipher.sealer.publicKey.seal(Array("Patient/123".utf8))
        #expect(throws: StoreError.self) { try cipher.open(.sealed(foreign), device: "ox-1") }
        var message = try PatientCipher.message("Patient/123", device: "ox-1")
        message[message.count - 1] = 1
        #expect(throws: StoreError.self) { try cipher.open(.sealed(cipher.sealer.publicKey.seal(message)), device: "ox-1") }
        // A clear reference (an earlier release's) reads as it is; invalid references are not sealed.
        #expect(try cipher.open(.clear("Patient/9"), device: "any") == "Patient/9")
        #expect(throws: StoreError.self) { try cipher.sealer.seal("Group/7", device: "ox-1") }
    }

    /// A database as an earlier release left it: references in the clear in
    /// all three tables. Writers refuse it (no patient key); `setUp` seals
    /// every reference in place, keeping each history row and its time, and
    /// readers return the same patients before and after.
    @Test func setUpSealsAnEarlierReleasesDatabaseInPlace() throws {
        try withLegacyDatabase { db in
            let assignments = PatientAssignments(db)
            #expect(try assignments.patient(of: "ox-1", at: 1500) == .clear("Patient/a"))
            #expect(throws: StoreError.self) { try assignments.assign(device: "ox-1", patient: "Patient/c") }
            let historyBefore = try history(db)

            #expect(try PatientSealing.setUp(db, cipher: cipher) == 6, "2 devices, 3 assignments, 1 delivery")
            #expect(try clearCount(db) == 0)
            #expect(try history(db).map { [$0.0, $0.2] } == historyBefore.map { [$0.0, $0.2] }, "same rows, same times")
            for ((_, device, _, stored), (_, _, _, clear)) in zip(try history(db), historyBefore) {
                #expect(try stored.map { try cipher.open($0, device: device) } == clear.map { try cipher.open($0, device: device) })
            }
            let delivery = try db.prepare("SELECT patient FROM deliveries WHERE leaf_index = 0").rows { try StoredPatient.from($0.value(0)) }.first
            #expect(try cipher.open(try #require(delivery.flatMap { $0 }), device: "ox-1") == "Patient/a")
            #expect(try PatientSealing.setUp(db, cipher: cipher) == 0, "nothing left to seal")
            #expect(try db.meta(PatientSealing.metaKey) == Hex.encode(cipher.sealer.publicKey.bytes))

            // Now writers seal, and the triggers still keep the history.
            try assignments.assign(device: "ox-1", patient: "Patient/c")
            #expect(try clearCount(db) == 0)
            let newest = try #require(try assignments.patient(of: "ox-1", at: .max))
            #expect(try cipher.open(newest, device: "ox-1") == "Patient/c")
            #expect(try history(db).count == historyBefore.count + 1)
            // Another gateway key is refused once one is recorded.
            #expect(throws: StoreError.self) { try PatientSealing.setUp(db, cipher: PatientCipher(gatewayKey: try Ed25519SecretKey.generate())) }
        }
    }

    /// Key rotation re-seals every reference (sealed or still clear) to the
    /// new key; the old key no longer opens them, the history is unchanged.
    @Test func rotationResealsEveryReference() throws {
        try withLegacyDatabase { db in
            try db.execute("UPDATE devices SET patient = NULL WHERE id = 'bp-1'")  // one more history row, an unassignment
            try PatientSealing.setUp(db, cipher: cipher)
            try PatientAssignments(db).assign(device: "bp-1", patient: "Patient/d")
            let before = try history(db)
            let newCipher = PatientCipher(gatewayKey: try Ed25519SecretKey.generate())
            try db.transaction(.immediate) { try PatientSealing.rotate(db, from: cipher, to: newCipher) }
            let after = try history(db)
            #expect(after.map { [$0.0, $0.2] } == before.map { [$0.0, $0.2] }, "same rows, same times")
            for ((_, device, _, old), (_, _, _, new)) in zip(before, after) {
                #expect(try old.map { try cipher.open($0, device: device) } == new.map { try newCipher.open($0, device: device) })
                if let new { #expect(throws: StoreError.self) { try cipher.open(new, device: device) } }
            }
            #expect(try db.meta(PatientSealing.metaKey) == Hex.encode(newCipher.sealer.publicKey.bytes))
            let delivery = try db.prepare("SELECT patient FROM deliveries").rows { try StoredPatient.from($0.value(0)) }.first
            #expect(try newCipher.open(try #require(delivery.flatMap { $0 }), device: "ox-1") == "Patient/a")
        }
    }

    // MARK: helpers

    /// A migrated scratch database with two devices and a delivery whose
    /// references are in the clear, written as an earlier release did.
    private func withLegacyDatabase(_ body: (Database) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "/patient-sealing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database(path: dir + "/db.sqlite")
        try Schema.migrate(db)
        let profile = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot() + "/Devices/pulse-oximeter.json"))
        _ = try DeviceTable(db).importProfile(json: Array(profile))
        try db.execute("""
            INSERT INTO devices(id, profile, status, enrolled_at, patient) VALUES
                ('ox-1', 'pulse-oximeter', 'enrolled', 1000, 'Patient/a'),
                ('bp-1', 'pulse-oximeter', 'enrolled', 1000, 'Patient/b');
            UPDATE device_assignments SET from_ms = 1000;
            UPDATE devices SET patient = 'Patient/b2' WHERE id = 'bp-1';
            INSERT INTO readings(leaf_index, device, boot, seq, ts, received_at, leaf) VALUES (0, 'ox-1', 1, 1, 1200, 1200, x'00');
            INSERT INTO deliveries(leaf_index, patient, state, updated_at) VALUES (0, 'Patient/a', 'pending', 1300);
            """)
        #expect(try clearCount(db) == 6, "the control: the references start in the clear")
        try body(db)
    }

    /// Every assignment row: id, device, from_ms, patient.
    private func history(_ db: Database) throws -> [(Int64, String, Int64, StoredPatient?)] {
        try db.prepare("SELECT id, device, from_ms, patient FROM device_assignments ORDER BY id")
            .rows { ($0.int64(0), $0.text(1) ?? "", $0.int64(2), try StoredPatient.from($0.value(3))) }
    }

    private func clearCount(_ db: Database) throws -> Int64 {
        try db.scalar("""
            SELECT (SELECT COUNT(*) FROM devices WHERE typeof(patient) = 'text')
                 + (SELECT COUNT(*) FROM device_assignments WHERE typeof(patient) = 'text')
                 + (SELECT COUNT(*) FROM deliveries WHERE typeof(patient) = 'text')
            """)
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(bytes needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
