import FHIR
import Foundation
import JSON
import TestSupport
import Vitals

/// Device profiles from Devices/ and a reading for each, as the tests use them.
enum Samples {
    static func profile(_ name: String) throws -> DeviceProfile {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot() + "/Devices/\(name).json"))
        return try DeviceProfile.parse(Array(bytes))
    }

    /// A salted (version 2) leaf of a reading; the salt is fixed so Bundles compare.
    static func reading(_ device: String, seq: UInt64 = 17, _ metrics: [(String, String)]) -> ReadingLeaf {
        ReadingLeaf(reading: Reading(device: device, boot: 2, seq: seq, ts: 1_764_072_000_123,
                                     metrics: metrics.map { ($0.0, ExactDecimal(text: $0.1)!) }),
                    salt: Array(repeating: 0x5A, count: ReadingLeaf.saltByteCount))
    }

    /// One reading per device profile in Devices/, with every metric it declares.
    static func everyProfile() throws -> [(ReadingLeaf, DeviceProfile)] {
        [
            (reading("ox-1", [("spo2", "97"), ("hr", "72")]), try profile("pulse-oximeter")),
            (reading("bp-1", [("sys", "121"), ("dia", "79"), ("hr", "64")]), try profile("blood-pressure-cuff")),
            (reading("th-1", [("temp", "36.6")]), try profile("thermometer")),
            (reading("ecg-1", [("hr", "80"), ("rr", "14")]), try profile("ecg-patch")),
            (reading("w-1", [("hr", "90"), ("rr", "16"), ("spo2", "95.5")]), try profile("smartwatch")),
        ]
    }

    static func context(_ profile: DeviceProfile, patient: String = "Patient/123") -> ObservationContext {
        ObservationContext(gatewayID: "ward3-gw1", patient: patient, profile: profile)
    }

    static let coverage = DeliveryCoverage(
        checkpointSize: 100, checkpointRoot: Array(repeating: 0xAB, count: 32),
        anchor: .init(txid: String(repeating: "cd", count: 32), blockHeight: 812, blockHash: String(repeating: "0e", count: 32)),
        leaves: [.init(index: 17, hash: Array(repeating: 0x01, count: 32)), .init(index: 42, hash: Array(repeating: 0x02, count: 32))])
}
