import Foundation
import JSON
import Testing
@testable import Vitals

/// Loads the shipped profiles from `Devices/` (found from this file's path).
@Suite struct DeviceProfileFileTests {
    static let devicesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Devices")

    static func load(_ name: String) throws -> DeviceProfile {
        let data = try Data(contentsOf: devicesDirectory.appendingPathComponent("\(name).json"))
        return try DeviceProfile.parse(Array(data))
    }

    @Test func everyFileInDevicesParsesAndIsNamedAfterItsProfile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.devicesDirectory.path).filter { $0.hasSuffix(".json") }
        #expect(Set(files).isSuperset(of: ["pulse-oximeter.json", "blood-pressure-cuff.json", "thermometer.json", "smartwatch.json", "ecg-patch.json"]))
        for file in files {
            let profile = try Self.load(String(file.dropLast(5)))
            #expect(profile.name + ".json" == file)
            for metric in profile.metrics {
                #expect(metric.min < metric.max)
            }
        }
    }

    /// FHIR R4 vital-signs codes (hl7.org/fhir/R4/observation-vitalsigns.html) and UCUM units.
    @Test(arguments: [
        ("pulse-oximeter", "spo2", "2708-6", "%", true),
        ("pulse-oximeter", "hr", "8867-4", "/min", true),
        ("blood-pressure-cuff", "sys", "8480-6", "mm[Hg]", true),
        ("blood-pressure-cuff", "dia", "8462-4", "mm[Hg]", true),
        ("blood-pressure-cuff", "hr", "8867-4", "/min", false),
        ("thermometer", "temp", "8310-5", "Cel", true),
        ("smartwatch", "hr", "8867-4", "/min", true),
        ("smartwatch", "rr", "9279-1", "/min", false),
        ("smartwatch", "spo2", "2708-6", "%", false),
        ("ecg-patch", "hr", "8867-4", "/min", true),
        ("ecg-patch", "rr", "9279-1", "/min", false),
    ])
    func profilesUseVitalSignsCodes(profile: String, key: String, loinc: String, unit: String, required: Bool) throws {
        let metric = try #require(try Self.load(profile).metric(key))
        #expect(metric.loinc == loinc)
        #expect(metric.unit == unit)
        #expect(metric.required == required)
    }

    @Test func pulseOximeterRangesAreThoseOfTheBrief() throws {
        let spo2 = try #require(try Self.load("pulse-oximeter").metric("spo2"))
        #expect(spo2.min == ExactDecimal(50))
        #expect(spo2.max == ExactDecimal(100))
        #expect(spo2.display == "Oxygen saturation in Arterial blood")
    }
}
