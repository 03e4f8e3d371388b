import JSON

/// One measurement a device kind reports, as its profile declares it.
public struct MetricSpec: Sendable, Equatable {
    /// The payload member name, e.g. `spo2` (see `Identifier.isMetricKey`).
    public let key: String
    /// The LOINC code of the FHIR R4 vital-signs profile, e.g. `2708-6`.
    public let loinc: String
    /// The LOINC display name, e.g. `Oxygen saturation in Arterial blood`.
    public let display: String
    /// The UCUM unit the device reports in, e.g. `%`, `/min`, `mm[Hg]`, `Cel`.
    public let unit: String
    /// The plausible range, inclusive: values outside it are rejected as
    /// sensor faults or transcription errors, not flagged as clinical findings.
    public let min: ExactDecimal
    public let max: ExactDecimal
    /// Whether every reading from this kind of device must carry this metric.
    public let required: Bool

    public init(key: String, loinc: String, display: String, unit: String, min: ExactDecimal, max: ExactDecimal, required: Bool) {
        self.key = key
        self.loinc = loinc
        self.display = display
        self.unit = unit
        self.min = min
        self.max = max
        self.required = required
    }

    /// Whether `value` lies in `[min, max]`.
    public func isPlausible(_ value: ExactDecimal) -> Bool {
        min <= value && value <= max
    }

    /// `[50, 100] %`, for rejection messages that must not quote the value.
    public var rangeDescription: String {
        "[\(min), \(max)] \(unit)"
    }
}
