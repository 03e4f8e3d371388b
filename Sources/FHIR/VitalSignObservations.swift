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
