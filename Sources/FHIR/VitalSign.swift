/// The FHIR R4 vital-signs profiles (hl7.org/fhir/R4/observation-vitalsigns.html)
/// a device metric can map to, keyed by the LOINC code its profile names.
public struct VitalSign: Sendable, Equatable {
    /// The profile's URL, listed in `meta.profile` next to the base `vitalsigns`.
    public let profile: String
    /// The LOINC code the profile fixes for `Observation.code`.
    public let loinc: String
    /// UCUM codes the profile allows for `valueQuantity.code`.
    public let units: [String]
    /// Further codings the specification asks for next to the fixed one.
    public let additionalCodings: [(code: String, display: String)]

    public static func == (a: VitalSign, b: VitalSign) -> Bool { a.profile == b.profile }

    public static let baseProfile = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
    public static let categorySystem = "http://terminology.hl7.org/CodeSystem/observation-category"
    public static let loincSystem = "http://loinc.org"
    public static let ucumSystem = "http://unitsofmeasure.org"

    /// The blood-pressure panel (`bp` profile): no value of its own, the
    /// systolic and diastolic pressures as components.
    public static let bloodPressurePanel = (loinc: "85354-9", display: "Blood pressure panel with all children optional",
                                            profile: "http://hl7.org/fhir/StructureDefinition/bp")
    public static let systolicLOINC = "8480-6"
    public static let diastolicLOINC = "8462-4"

    static let known: [VitalSign] = [
        VitalSign(profile: "http://hl7.org/fhir/StructureDefinition/heartrate", loinc: "8867-4", units: ["/min"], additionalCodings: []),
        VitalSign(profile: "http://hl7.org/fhir/StructureDefinition/resprate", loinc: "9279-1", units: ["/min"], additionalCodings: []),
        VitalSign(profile: "http://hl7.org/fhir/StructureDefinition/bodytemp", loinc: "8310-5", units: ["Cel", "[degF]"], additionalCodings: []),
        VitalSign(profile: "http://hl7.org/fhir/StructureDefinition/bodyweight", loinc: "29463-7", units: ["kg", "g", "[lb_av]"], additionalCodings: []),
        VitalSign(profile: "http://hl7.org/fhir/StructureDefinition/bodyheight", loinc: "8302-2", units: ["cm", "[in_i]"], additionalCodings: []),
        // The oxygensat profile fixes 2708-6; for pulse oximetry (every
        // wearable measures that way) the R4 vital-signs table expects
        // 59408-5 in addition.
        VitalSign(profile: "http://hl7.org/fhir/StructureDefinition/oxygensat", loinc: "2708-6", units: ["%"],
                  additionalCodings: [("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")]),
    ]

    /// The profile for a LOINC code, if it is one of the vital signs with a profile of its own.
    public static func forLOINC(_ code: String) -> VitalSign? {
        known.first { $0.loinc == code }
    }
}
