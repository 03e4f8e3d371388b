import Codecs
import JSON
import Vitals

/// One Observation made from a reading, with the identifier it is
/// conditionally created by and its Bundle fullUrl.
public struct BuiltObservation: Sendable, Equatable {
    public let identifier: SystemValue
    public let fullUrl: String
    public let resource: JSONValue
}

/// Who and what a reading's Observations refer to.
public struct ObservationContext: Sendable {
    public let gatewayID: String
    /// `Patient/<id>` (see `PatientReference.isValid`).
    public let patient: String
    /// The device's profile: each metric's LOINC code, display and UCUM unit.
    public let profile: DeviceProfile

    public init(gatewayID: String, patient: String, profile: DeviceProfile) {
        self.gatewayID = gatewayID
        self.patient = patient
        self.profile = profile
    }
}

/// FHIR R4 vital-signs Observations from one stored reading: one per metric,
/// except that systolic and diastolic pressure become one blood-pressure
/// panel with two components (R4 `bp` profile).
public enum VitalSignObservations {
    /// Metrics are taken in the profile's order; a metric the profile does
    /// not declare is not delivered (the validator rejected such readings).
    /// Each Observation carries the reading's leaf data (`VitalgateSystem.leafData`).
    public static func make(_ leaf: ReadingLeaf, _ context: ObservationContext) -> [BuiltObservation] {
        let reading = leaf.reading
        let leafData = Base64.encode(leaf.bytes)
        var result: [BuiltObservation] = []
        let pressures = [VitalSign.systolicLOINC, VitalSign.diastolicLOINC]
        var panelDone = false
        for spec in context.profile.metrics {
            guard let value = reading.value(of: spec.key) else { continue }
            if pressures.contains(spec.loinc) {
                if panelDone { continue }
                panelDone = true
                let parts = pressures.compactMap { code in
                    context.profile.metrics.first { $0.loinc == code }.flatMap { s in reading.value(of: s.key).map { (s, $0) } }
                }
                result.append(panel(reading, context, leafData, components: parts))
            } else {
                result.append(single(reading, context, leafData, spec: spec, value: value))
            }
        }
        return result
    }

    static func single(_ reading: Reading, _ context: ObservationContext, _ leafData: String, spec: MetricSpec, value: ExactDecimal) -> BuiltObservation {
        let sign = VitalSign.forLOINC(spec.loinc)
        var codings = [coding(spec.loinc, spec.display)]
        for extra in sign?.additionalCodings ?? [] { codings.append(coding(extra.code, extra.display)) }
        var profiles: [JSONValue] = [.string(VitalSign.baseProfile)]
        if let sign { profiles.append(.string(sign.profile)) }
        return build(reading, context, leafData, loinc: spec.loinc, profiles: profiles,
                     code: ["coding": .array(codings), "text": .string(spec.display)],
                     value: ("valueQuantity", quantity(value, unit: spec.unit)))
    }

    static func panel(_ reading: Reading, _ context: ObservationContext, _ leafData: String, components: [(MetricSpec, ExactDecimal)]) -> BuiltObservation {
        let p = VitalSign.bloodPressurePanel
        let parts: [JSONValue] = components.map { spec, value in
            ["code": ["coding": [coding(spec.loinc, spec.display)], "text": .string(spec.display)],
             "valueQuantity": quantity(value, unit: spec.unit)]
        }
        return build(reading, context, leafData, loinc: p.loinc, profiles: [.string(VitalSign.baseProfile), .string(p.profile)],
                     code: ["coding": [coding(p.loinc, p.display)], "text": "Blood pressure"],
                     value: ("component", .array(parts)))
    }

    static func build(_ reading: Reading, _ context: ObservationContext, _ leafData: String, loinc: String, profiles: [JSONValue],
                      code: JSONValue, value: (key: String, json: JSONValue)) -> BuiltObservation {
        let identifier = SystemValue(system: VitalgateSystem.observation,
                                     value: "\(context.gatewayID)/\(reading.device)/\(reading.boot)/\(reading.seq)/\(loinc)")
        let resource: JSONValue = .object(JSONObject([
            ("resourceType", "Observation"),
            ("meta", ["profile": .array(profiles)]),
            // The leaf, salt included: only the Observation's own reader needs it (its values
            // are in the Observation anyway); the leaf hashes elsewhere stay opaque.
            ("extension", [["url": .string(VitalgateSystem.leafData), "valueBase64Binary": .string(leafData)]]),
            ("identifier", [["system": .string(identifier.system), "value": .string(identifier.value)]]),
            ("status", "final"),
            ("category", [["coding": [["system": .string(VitalSign.categorySystem), "code": "vital-signs", "display": "Vital Signs"]],
                           "text": "Vital Signs"]]),
            ("code", code),
            ("subject", ["reference": .string(context.patient)]),
            ("effectiveDateTime", .string(FHIRTime.utcMillis(reading.ts))),
            (value.key, value.json),
            ("device", ["identifier": ["system": .string(VitalgateSystem.device), "value": .string("\(context.gatewayID)/\(reading.device)")],
                        "display": .string("\(reading.device) (\(context.profile.name))")]),
        ]))
        return BuiltObservation(identifier: identifier, fullUrl: NameUUID.urn(identifier.token), resource: resource)
    }

    static func coding(_ code: String, _ display: String) -> JSONValue {
        ["system": .string(VitalSign.loincSystem), "code": .string(code), "display": .string(display)]
    }

    /// `value` keeps the device's exact decimal text (FHIR decimals carry their precision).
    static func quantity(_ value: ExactDecimal, unit: String) -> JSONValue {
        ["value": .number(JSONNumber(value)), "unit": .string(unit), "system": .string(VitalSign.ucumSystem), "code": .string(unit)]
    }
}

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

/// The identifier systems Vitalgate mints (docs/fhir.md). Values never hold
/// `|`, `,`, `$` or `\`, so they go into FHIR token searches unescaped.
public enum VitalgateSystem {
    /// `<gateway>/<device>/<boot>/<seq>/<loinc>`: one per Observation.
    public static let observation = "urn:vitalgate:observation"
    /// `<gateway>/<device>`: the wearable, in `Observation.device`.
    public static let device = "urn:vitalgate:device"
    /// `<gateway>`: the gateway, agent and signer of every Provenance.
    public static let gateway = "urn:vitalgate:gateway"
    /// `<gateway>/<tree size>/<root hex>`: the signed checkpoint covering a Bundle's readings.
    public static let checkpoint = "urn:vitalgate:checkpoint"
    /// `<txid>`: the anchor transaction of that checkpoint.
    public static let anchor = "urn:vitalgate:anchor"
    /// `<height>/<block hash>`: the block holding the anchor, when known.
    public static let anchorBlock = "urn:vitalgate:anchor-block"
    /// `<gateway>/<leaf index>/<leaf hash hex>`: a reading's leaf in the gateway's log.
    public static let leaf = "urn:vitalgate:leaf"
    /// The URL of the Observation extension whose `valueBase64Binary` is the
    /// reading's leaf data (docs/encoding.md), salt included, so the clinic
    /// recomputes the leaf hash the Provenance names (docs/fhir.md).
    public static let leafData = "urn:vitalgate:leaf-data"
    /// Provenance `meta.tag` code: hex SHA-256 of the signed bytes (its conditional-create key).
    public static let provenance = "urn:vitalgate:provenance"
}

/// An identifier (system and value), as in FHIR's `Identifier` and `Coding`.
/// Only this module makes them, so its memberwise init stays internal.
public struct SystemValue: Sendable, Equatable, Hashable {
    public let system: String
    public let value: String

    /// `system|value`, the FHIR token search form.
    public var token: String { system + "|" + value }
}

/// FHIR `instant` and `dateTime` text from Unix milliseconds, without a
/// calendar library (the core does no I/O and links no Foundation).
public enum FHIRTime {
    /// RFC 3339 in UTC with milliseconds, e.g. `2025-11-25T12:00:00.123Z`:
    /// valid as both FHIR `dateTime` and `instant` (which requires seconds
    /// and a zone, FHIR R4 section 2.24.0.1).
    /// Precondition: the instant falls in the years 0001 through 9999, the
    /// range of FHIR's four-digit year.
    public static func utcMillis(_ millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(daysSinceEpoch: days)
        precondition((1...9999).contains(year), "timestamp outside the years 0001-9999")
        let ms = Int(msOfDay)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(ms / 3_600_000, 2) + ":" + pad(ms / 60_000 % 60, 2) + ":" + pad(ms / 1000 % 60, 2)
            + "." + pad(ms % 1000, 3) + "Z"
    }

    /// Year, month, day of the proleptic Gregorian calendar for a day count
    /// from 1970-01-01: Howard Hinnant's `civil_from_days`, which counts in
    /// 400-year eras (146097 days) starting on March 1 so leap days fall last.
    static func civil(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let r = a % b
        return r < 0 ? (a / b - 1, r + b) : (a / b, r)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
