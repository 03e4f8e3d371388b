import Foundation
import JSON
import SQLiteStore
import Testing
import TestSupport

@Suite(.serialized)
struct FHIRAssignmentTests {
    /// Unassigning a device stops delivery for its patient from then on;
    /// reassigning delivers later readings to the new patient only. The
    /// export writes the same Observations, valid, for a time range.
    @Test func reassignmentChangesTheSubjectFromThenOnAndExportMatches() throws {
        let rig = try DeliveryRig(devices: [(id: "w-1", profile: "smartwatch", patient: "Patient/a")])
        defer { rig.stop() }
        let device = [(id: "w-1", profile: "smartwatch")]
        // A smartwatch reading here has heart rate, respiratory rate and SpO2: three Observations.
        try rig.publish(device, rounds: 3)
        try rig.waitForObservations(9)

        try rig.assign("w-1", nil)
        try rig.publish(device, rounds: 3)
        try rig.gateway.waitForStatus(timeout: 30, "6 readings stored") { $0["stored"]?.int64 == 6 }
        try rig.assign("w-1", "Patient/b")
        try rig.publish(device, rounds: 3)
        try rig.waitForObservations(18)
        try waitUntil(timeout: 30, "the unassigned readings recorded") {
            try rig.database().prepare("SELECT COUNT(*) FROM deliveries WHERE state = 'unassigned'").rows { $0.int64(0) }.first == 3
        }

        func seq(_ o: JSONValue) -> Int { Int(o["identifier"]?.array?.first?["value"]?.string?.split(separator: "/")[3] ?? "") ?? -1 }
        let observations = try rig.observations()
        #expect(observations.count == 18)
        let subjects = Dictionary(grouping: observations) { $0["subject"]?["reference"]?.string ?? "" }
        #expect(Set(subjects["Patient/a"]?.map(seq) ?? []) == [1, 2, 3])
        #expect(Set(subjects["Patient/b"]?.map(seq) ?? []) == [7, 8, 9])
        #expect(subjects.count == 2)

        // The export: every reading with a patient, the same identifiers, valid; the unassigned ones are counted.
        let all = try runVitalgate(["export", "--fhir", "--device", "w-1", "--home", rig.gateway.home])
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 18)
        #expect(all.stderr.contains("3 readings had no patient"))
        let exported = try lines.map { try JSONParser.parse($0) }
        #expect(Set(exported.compactMap { $0["identifier"]?.array?.first?["value"]?.string })
            == Set(observations.compactMap { $0["identifier"]?.array?.first?["value"]?.string }))
        let file = rig.gateway.directory.file("w-1.ndjson")
        try all.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let validation = try validateFHIR([file])
        #expect(validation.status == 0, "\(validation.output)")

        // --from/--to select by reading time: [ts of seq 7, ts of seq 9) is seq 7 and 8.
        let ts = try rig.database().prepare("SELECT seq, ts FROM readings WHERE device = 'w-1'").rows { ($0.int64(0), $0.int64(1)) }
        let t = Dictionary(uniqueKeysWithValues: ts)
        let range = try runVitalgate(["export", "--fhir", "--device", "w-1", "--from", String(t[7]!), "--to", String(t[9]!), "--home", rig.gateway.home])
        let ranged = try range.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(ranged.map(seq).sorted() == [7, 7, 7, 8, 8, 8])
        #expect(ranged.allSatisfy { $0["subject"]?["reference"]?.string == "Patient/b" })

        let refused = try runVitalgate(["device", "assign", "w-1", "--patient", "Group/7", "--home", rig.gateway.home])
        #expect(refused.status != 0)

        // Delivery stops with the agent, cleanly.
        rig.gateway.stopAgent()
        #expect(rig.gateway.agent?.terminationStatus == 0, "\(rig.gateway.agentLogs().suffix(2000))")
    }
}
