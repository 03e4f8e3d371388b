import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

/// Patient references at rest (docs/security.md, "Vitals at rest"): the
/// database files never hold one in the clear, while delivery, `export
/// --fhir` and `device show --reveal` still name the right patients; a
/// database an earlier release left in the clear is sealed and keeps
/// working, across a key rotation.
@Suite(.serialized)
struct PatientAtRestTests {
    static let patientText = Array("Patient/".utf8)

    @Test func noPatientTextInTheFilesAndDeliveryNamesThePatients() throws {
        let rig = try DeliveryRig(devices: [(id: "ox-1", profile: "pulse-oximeter", patient: "Patient/p1"),
                                            (id: "th-1", profile: "thermometer", patient: "Patient/p2")])
        defer { rig.stop() }
        let home = rig.gateway.home
        let add = try runVitalgate(["device", "add", "bp-1", "--profile", "blood-pressure-cuff", "--patient", "Patient/p3", "--home", home])
        try #require(add.status == 0, "\(add.stderr)")
        let kinds = [(id: "ox-1", profile: "pulse-oximeter"), (id: "th-1", profile: "thermometer"), (id: "bp-1", profile: "blood-pressure-cuff")]
        // Per round: 2 (SpO2, heart rate) + 1 (temperature) + 2 (BP panel, heart rate).
        try rig.publish(kinds, rounds: 2)
        try rig.waitForObservations(10)
        try rig.assign("th-1", "Patient/p4")
        try rig.publish([kinds[1]], rounds: 1)
        try rig.waitForObservations(11)

        let subjects = Self.subjects(try rig.observations())
        #expect(subjects["ox-1"] == [1: "Patient/p1", 2: "Patient/p1"])
        #expect(subjects["bp-1"] == [1: "Patient/p3", 2: "Patient/p3"])
        #expect(subjects["th-1"] == [1: "Patient/p2", 2: "Patient/p2", 3: "Patient/p4"])
        let export = try Self.exported(home, device: "th-1")
        #expect(export == [1: "Patient/p2", 2: "Patient/p2", 3: "Patient/p4"])

        // While the agent runs: neither the database, its WAL nor its shared memory holds a reference.
        let files = [rig.gateway.databasePath, rig.gateway.databasePath + "-wal", rig.gateway.databasePath + "-shm"]
        #expect(bytes(files[1]).count > 0, "an empty WAL would make its search vacuous")
        try Self.expectNoPatientText(files)

        // Without the key: assigned or not; with --reveal: the reference.
        let list = try runVitalgate(["device", "list", "--home", home])
        #expect(list.status == 0 && list.stdout.contains("assigned") && !list.stdout.contains("Patient/"), "\(list.stdout)\(list.stderr)")
        let show = try runVitalgate(["device", "show", "th-1", "--home", home])
        #expect(show.stdout.contains("patient      assigned\n"), "\(show.stdout)\(show.stderr)")
        let revealed = try runVitalgate(["device", "show", "th-1", "--reveal", "--home", home])
        #expect(revealed.stdout.contains("patient      Patient/p4\n"), "\(revealed.stdout)\(revealed.stderr)")
        let all = try runVitalgate(["device", "list", "--reveal", "--home", home])
        #expect(["Patient/p1", "Patient/p3", "Patient/p4"].allSatisfy(all.stdout.contains), "\(all.stdout)\(all.stderr)")

        rig.gateway.stopAgent()
        #expect(rig.gateway.agent?.terminationStatus == 0)
        try Self.expectNoPatientText(files)

        // The control: a reference written in the clear, as an earlier release did, is found by the same search.
        let copy = rig.gateway.directory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: rig.gateway.databasePath, toPath: copy)
        do {
            let db = try Database(path: copy)
            try db.execute("UPDATE devices SET patient = 'Patient/p1' WHERE id = 'ox-1'")
        }
        #expect((bytes(copy) + bytes(copy + "-wal")).contains(bytes: Self.patientText), "the search finds a clear reference")
    }

    /// A database as the release before patient sealing left it (references
    /// in the clear in devices, device_assignments and deliveries; no
    /// patient key), written with SQL: readable as it is, sealed at the
    /// agent's start, delivered to the same patients, and still after
    /// `rotate-key`.
    @Test func anEarlierReleasesReferencesAreSealedAtStartAndSurviveRotation() throws {
        let rig = try DeliveryRig(devices: [(id: "th-1", profile: "thermometer", patient: "Patient/old1")])
        defer { rig.stop() }
        let home = rig.gateway.home
        let th = (id: "th-1", profile: "thermometer"), ox = (id: "ox-9", profile: "pulse-oximeter")
        try rig.publish([th], rounds: 2)
        try rig.waitForObservations(2)
        rig.gateway.stopAgent()
        try Self.writeAsEarlierRelease(rig.gateway.databasePath)
        let files = [rig.gateway.databasePath, rig.gateway.databasePath + "-wal"]
        #expect(files.map(bytes).contains { $0.contains(bytes: Array("Patient/old1".utf8)) }, "the control: clear references are found")

        // Half-sealed (here: not sealed at all) it still works: listing and exporting.
        let list = try runVitalgate(["device", "list", "--home", home])
        #expect(list.status == 0 && list.stdout.components(separatedBy: "assigned").count == 3, "\(list.stdout)\(list.stderr)")
        #expect(try Self.exported(home, device: "th-1") == [1: "Patient/old1", 2: "Patient/old1"])

        try rig.gateway.startAgentAndWaitForBroker()
        #expect(rig.gateway.agentLogs().contains("sealed 6 patient references"), "2 devices, 2 assignments, 2 deliveries")
        try Self.expectNoPatientText(files)
        try rig.publish([th, ox], rounds: 1)
        try rig.waitForObservations(5)
        var subjects = Self.subjects(try rig.observations())
        #expect(subjects["th-1"] == [1: "Patient/old1", 2: "Patient/old1", 3: "Patient/old1"])
        #expect(subjects["ox-9"] == [1: "Patient/old2"])

        rig.gateway.stopAgent()
        let keyBefore = try Self.patientKey(rig.gateway)
        let rotate = try runVitalgate(["rotate-key", "--home", home])
        try #require(rotate.status == 0, "\(rotate.stderr)")
        #expect(try Self.patientKey(rig.gateway) != keyBefore, "re-sealed to the new key")
        try Self.expectNoPatientText(files)
        try rig.gateway.startAgentAndWaitForBroker()
        try rig.publish([th, ox], rounds: 1)
        try rig.waitForObservations(8)
        subjects = Self.subjects(try rig.observations())
        #expect(subjects["th-1"] == [1: "Patient/old1", 2: "Patient/old1", 3: "Patient/old1", 4: "Patient/old1"])
        #expect(subjects["ox-9"] == [1: "Patient/old2", 2: "Patient/old2"])
        #expect(try Self.exported(home, device: "ox-9") == [1: "Patient/old2", 2: "Patient/old2"])
        let revealed = try runVitalgate(["device", "show", "ox-9", "--reveal", "--home", home])
        #expect(revealed.stdout.contains("patient      Patient/old2\n"), "\(revealed.stdout)\(revealed.stderr)")
        try Self.expectNoPatientText(files)
    }

    /// `device assign` on a database an earlier release left in the clear
    /// seals its references first, which needs the gateway key: without it,
    /// it refuses and writes nothing; with it, nothing stays in the clear.
    @Test func deviceAssignSealsAnEarlierReleasesReferencesWithTheKey() throws {
        let scratch = try TemporaryDirectory("vitalgate-patients")
        defer { scratch.remove() }
        let passphrase = scratch.file("passphrase")
        try writePrivate(passphrase, "patient sealing passphrase 41\n")
        let gateway = try GatewayFixture(settings: GatewaySettings.withoutLedger(mqttPort: try freeLoopbackPort(), [:]),
                                         devices: [("ox-1", "pulse-oximeter")], provisionArguments: ["--passphrase-file", passphrase])
        defer { gateway.remove() }
        try Self.writeAsEarlierRelease(gateway.databasePath, deliveries: false)
        let files = [gateway.databasePath, gateway.databasePath + "-wal"]
        #expect(files.map(bytes).contains { $0.contains(bytes: Self.patientText) }, "the control: clear references are found")

        // The sealed gateway key cannot be opened (its passphrase file is gone): refused, nothing written.
        try FileManager.default.moveItem(atPath: passphrase, toPath: passphrase + ".away")
        let refused = try runVitalgate(["device", "assign", "ox-1", "--patient", "Patient/new", "--home", gateway.home])
        #expect(refused.status != 0)
        #expect(!files.map(bytes).contains { $0.contains(bytes: Array("Patient/new".utf8)) })
        #expect(try Self.patientKey(gateway) == nil)

        try FileManager.default.moveItem(atPath: passphrase + ".away", toPath: passphrase)
        let assign = try runVitalgate(["device", "assign", "ox-1", "--patient", "Patient/new", "--home", gateway.home])
        try #require(assign.status == 0, "\(assign.stderr)")
        #expect(assign.stderr.contains("sealed 4 patient references"), "\(assign.stderr)")
        try Self.expectNoPatientText(files)
        let revealed = try runVitalgate(["device", "list", "--reveal", "--home", gateway.home])
        #expect(revealed.stdout.contains("Patient/new") && revealed.stdout.contains("Patient/old2"), "\(revealed.stdout)\(revealed.stderr)")
        // Sealed now, a later assignment needs no key at all.
        try FileManager.default.removeItem(atPath: passphrase)
        let later = try runVitalgate(["device", "assign", "ox-9", "--patient", "Patient/later", "--home", gateway.home])
        #expect(later.status == 0, "\(later.stderr)")
        try Self.expectNoPatientText(files)
    }

    // MARK: helpers

    /// Makes the database at `path` what the release before patient sealing
    /// would have: every reference in the clear (th-1's or ox-1's history and
    /// deliveries as Patient/old1), a device ox-9 enrolled with Patient/old2,
    /// and no patient key. The same schema: only the values differ.
    static func writeAsEarlierRelease(_ path: String, deliveries: Bool = true) throws {
        let db = try Database(path: path)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try db.execute("""
            DELETE FROM meta WHERE key = 'patient_key';
            UPDATE device_assignments SET patient = 'Patient/old1' WHERE patient IS NOT NULL;
            INSERT INTO device_assignments(device, patient, from_ms)
                SELECT id, 'Patient/old1', enrolled_at FROM devices WHERE id IN ('th-1', 'ox-1') AND patient IS NULL;
            UPDATE devices SET patient = 'Patient/old1' WHERE id IN ('th-1', 'ox-1');
            DELETE FROM device_assignments WHERE id NOT IN (SELECT MIN(id) FROM device_assignments GROUP BY device);
            INSERT INTO devices(id, profile, status, enrolled_at, patient) VALUES ('ox-9', 'pulse-oximeter', 'enrolled', \(now - 120_000), 'Patient/old2');
            \(deliveries ? "UPDATE deliveries SET patient = 'Patient/old1' WHERE patient IS NOT NULL;" : "")
            PRAGMA wal_checkpoint(TRUNCATE);
            """)
    }

    /// The recorded public patient key (hex), if any.
    static func patientKey(_ gateway: GatewayFixture) throws -> String? {
        try gateway.readOnlyDatabase().prepare("SELECT value FROM meta WHERE key = 'patient_key'").rows { $0.text(0) }.first ?? nil
    }

    /// Each device's Observations' subjects by reading seq.
    static func subjects(_ observations: [JSONValue]) -> [String: [Int: String]] {
        var result: [String: [Int: String]] = [:]
        for o in observations {
            // identifier: <gateway>/<device>/<boot>/<seq>/<metric>
            let parts = (o["identifier"]?.array?.first?["value"]?.string ?? "").split(separator: "/").map(String.init)
            guard parts.count > 3, let seq = Int(parts[3]) else { continue }
            result[parts[1], default: [:]][seq] = o["subject"]?["reference"]?.string ?? "?"
        }
        return result
    }

    /// `export --fhir` of `device`: subjects by seq.
    static func exported(_ home: String, device: String) throws -> [Int: String] {
        let r = try runVitalgate(["export", "--fhir", "--device", device, "--home", home])
        try #require(r.status == 0, "\(r.stderr)")
        return subjects(try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) })[device] ?? [:]
    }

    static func expectNoPatientText(_ files: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(bytes(files[0]).count > 0, sourceLocation: sourceLocation)
        for file in files {
            // Searched first, asserted after: #expect would print the whole file on failure.
            let found = bytes(file).contains(bytes: patientText)
            #expect(!found, "a patient reference in the clear in \(file)", sourceLocation: sourceLocation)
        }
    }
}
