import JSON
import Testing
@testable import Vitals

@Suite struct DeviceProfileParsingTests {
    static let valid = #"{"profile":"p","description":"d","metrics":[{"key":"hr","loinc":"8867-4","display":"Heart rate","unit":"/min","min":20,"max":300,"required":true}]}"#

    static func parse(_ text: String) throws(ProfileError) -> DeviceProfile {
        try DeviceProfile.parse(Array(text.utf8))
    }

    @Test func validProfileParses() throws {
        let profile = try Self.parse(Self.valid)
        #expect(profile.name == "p")
        #expect(profile.metric("hr")?.max == ExactDecimal(300))
        #expect(profile.metric("spo2") == nil)
    }

    /// Each row replaces one fragment of the valid profile and names the field the error must point at.
    @Test(arguments: [
        (#""profile":"p""#, #""profile":"p q""#, "profile"),
        (#""description":"d""#, #""description":"""#, "description"),
        (#""description":"d""#, #""descripton":"d""#, "document"),
        (#""key":"hr""#, #""key":"HR""#, "metrics[0].key"),
        (#""key":"hr""#, #""key":"seq""#, "metrics[0].key"),
        (#""loinc":"8867-4""#, #""loinc":"8867-3""#, "metrics[0].loinc"),
        (#""loinc":"8867-4""#, #""loinc":"88674""#, "metrics[0].loinc"),
        (#""unit":"/min""#, #""unit":"per min""#, "metrics[0].unit"),
        (#""min":20"#, #""min":"20""#, "metrics[0].min"),
        (#""min":20"#, #""min":400"#, "metrics[0].min"),
        (#""required":true"#, #""required":1"#, "metrics[0].required"),
        (#","required":true"#, "", "metrics[0].required"),
        (#""metrics":["#, #""metrics":[],"x":["#, "document"),
        (#"}]}"#, #"}]"#, "document"),
    ])
    func rejectsNamingTheField(original: String, replacement: String, field: String) {
        let text = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.valid)
        do {
            _ = try Self.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func repeatedMetricKeyIsRejected() {
        let metric = #"{"key":"hr","loinc":"8867-4","display":"Heart rate","unit":"/min","min":20,"max":300,"required":true}"#
        let text = #"{"profile":"p","description":"d","metrics":["# + metric + "," + metric + "]}"
        #expect(throws: ProfileError(field: "metrics[1].key", problem: "repeats metric hr")) { try Self.parse(text) }
    }

    /// Check digits of the FHIR vital-signs codes (LOINC mod-10 algorithm).
    @Test(arguments: ["2708-6", "8867-4", "8480-6", "8462-4", "8310-5", "9279-1", "59408-5", "85354-9"])
    func loincCheckDigits(code: String) {
        #expect(LOINC.isValid(code))
        let wrong = String(code.dropLast()) + String((Int(String(code.last!))! + 1) % 10)
        #expect(!LOINC.isValid(wrong))
    }
}
