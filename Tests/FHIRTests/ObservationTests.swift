import Codecs
import FHIR
import JSON
import Testing
import Vitals

struct ObservationTests {
    @Test func pulseOximeterGivesSaturationWithBothCodesAndHeartRate() throws {
        let profile = try Samples.profile("pulse-oximeter")
        let made = VitalSignObservations.make(Samples.reading("ox-1", [("spo2", "97"), ("hr", "72")]), Samples.context(profile))
        #expect(made.map(\.identifier.value) == ["ward3-gw1/ox-1/2/17/2708-6", "ward3-gw1/ox-1/2/17/8867-4"])
        let spo2 = made[0].resource
        #expect(spo2["code"]?["coding"]?.array?.compactMap { $0["code"]?.string } == ["2708-6", "59408-5"])
        #expect(spo2["meta"]?["profile"] == ["http://hl7.org/fhir/StructureDefinition/vitalsigns", "http://hl7.org/fhir/StructureDefinition/oxygensat"])
        #expect(spo2["valueQuantity"] == ["value": 97, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"])
        #expect(spo2["subject"] == ["reference": "Patient/123"])
        #expect(spo2["effectiveDateTime"]?.string == "2025-11-25T12:00:00.123Z")
        #expect(spo2["device"]?["identifier"]?["value"]?.string == "ward3-gw1/ox-1")
        #expect(spo2["category"]?.array?.first?["coding"]?.array?.first?["code"]?.string == "vital-signs")
        #expect(made[1].resource["code"]?["coding"]?.array?.count == 1)
        #expect(made[0].fullUrl != made[1].fullUrl)
    }

    /// Every Observation of a reading carries its leaf, salt included, so the
    /// clinic recomputes the leaf hash the Provenance names (docs/fhir.md).
    @Test func everyObservationCarriesItsReadingsLeaf() throws {
        let leaf = Samples.reading("w-1", [("hr", "90"), ("rr", "16"), ("spo2", "95.5")])
        let made = VitalSignObservations.make(leaf, Samples.context(try Samples.profile("smartwatch")))
        #expect(made.count == 3)
        for observation in made {
            let ext = observation.resource["extension"]?.array ?? []
            #expect(ext.count == 1)
            #expect(ext.first?["url"]?.string == "urn:vitalgate:leaf-data")
            let data = try #require(ext.first?["valueBase64Binary"]?.string.flatMap(Base64.decode))
            #expect(data == leaf.bytes)
            #expect(try ReadingLeaf(bytes: data) == leaf)
        }
    }

    @Test func bloodPressureIsOnePanelWithTwoComponentsAndNoValue() throws {
        let profile = try Samples.profile("blood-pressure-cuff")
        let made = VitalSignObservations.make(Samples.reading("bp-1", [("sys", "121"), ("dia", "79"), ("hr", "64")]), Samples.context(profile))
        #expect(made.count == 2)
        let panel = made[0].resource
        #expect(panel["code"]?["coding"]?.array?.first?["code"]?.string == "85354-9")
        #expect(panel["valueQuantity"] == nil)
        let components = panel["component"]?.array ?? []
        #expect(components.compactMap { $0["code"]?["coding"]?.array?.first?["code"]?.string } == ["8480-6", "8462-4"])
        #expect(components.compactMap { $0["valueQuantity"]?["value"]?.number?.text } == ["121", "79"])
        #expect(components.allSatisfy { $0["valueQuantity"]?["code"]?.string == "mm[Hg]" })
        #expect(made[1].identifier.value.hasSuffix("/8867-4"))
    }

    @Test func decimalsKeepTheirExactText() throws {
        let made = VitalSignObservations.make(Samples.reading("th-1", [("temp", "36.6")]), Samples.context(try Samples.profile("thermometer")))
        #expect(made.count == 1)
        #expect(made[0].resource["valueQuantity"]?["value"]?.number?.text == "36.6")
        #expect(made[0].resource.serialized().contains(#""value":36.6,"unit":"Cel""#))
    }

    @Test func onlyWellFormedPatientReferencesAreAccepted() {
        #expect(PatientReference.isValid("Patient/123"))
        #expect(PatientReference.isValid("Patient/a-b.C"))
        for bad in ["Patient/", "Patient/a b", "patient/1", "Observation/1", "Patient/1/_history/2", "Patient/" + String(repeating: "x", count: 65)] {
            #expect(!PatientReference.isValid(bad), "\(bad)")
        }
    }
}
