/// What a kind of device measures: loaded from `Devices/<name>.json`.
public struct DeviceProfile: Sendable, Equatable {
    /// The profile name, e.g. `pulse-oximeter` (device-ID syntax).
    public let name: String
    public let description: String
    /// The metrics in the file's order; keys are unique.
    public let metrics: [MetricSpec]
    /// The longest gap between two readings in normal use, in seconds: a
    /// device on a patient that stays silent longer has probably come off
    /// (the silent-device alert, docs/operations.md). Nil: no expectation.
    public let expectedIntervalSeconds: Int?

    /// A profile, checked as `parse` checks one read from a file: valid
    /// name, non-empty description, at least one metric, unique valid keys,
    /// LOINC codes with a correct check digit, `min < max`.
    public init(name: String, description: String, metrics: [MetricSpec], expectedIntervalSeconds: Int? = nil) throws(ProfileError) {
        guard Identifier.isDeviceID(name) else { throw ProfileError(field: "profile", problem: "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}") }
        guard !description.isEmpty else { throw ProfileError(field: "description", problem: "must not be empty") }
        guard !metrics.isEmpty else { throw ProfileError(field: "metrics", problem: "must list at least one metric") }
        var seen: Set<String> = []
        for (i, metric) in metrics.enumerated() {
            try Self.check(metric, at: "metrics[\(i)]")
            guard seen.insert(metric.key).inserted else {
                throw ProfileError(field: "metrics[\(i)].key", problem: "repeats metric \(metric.key)")
            }
        }
        if let interval = expectedIntervalSeconds, !(1...604_800).contains(interval) {
            throw ProfileError(field: "expected_interval", problem: "must be 1-604800 seconds")
        }
        self.name = name
        self.description = description
        self.metrics = metrics
        self.expectedIntervalSeconds = expectedIntervalSeconds
    }

    /// The spec for payload member `key`, if this profile has one.
    public func metric(_ key: String) -> MetricSpec? {
        metrics.first { $0.key == key }
    }

    static func check(_ metric: MetricSpec, at path: String) throws(ProfileError) {
        guard Identifier.isMetricKey(metric.key) else {
            throw ProfileError(field: "\(path).key", problem: "must match [a-z][a-z0-9_]{0,31} and not be one of device, boot, seq, ts, type, v")
        }
        guard LOINC.isValid(metric.loinc) else {
            throw ProfileError(field: "\(path).loinc", problem: "must be a LOINC code like 8867-4 with a correct check digit")
        }
        guard !metric.display.isEmpty else { throw ProfileError(field: "\(path).display", problem: "must not be empty") }
        guard isUCUMSyntax(metric.unit) else {
            throw ProfileError(field: "\(path).unit", problem: "must be a UCUM unit code: 1 to 32 printable ASCII characters, no spaces")
        }
        guard metric.min < metric.max else { throw ProfileError(field: "\(path).min", problem: "must be less than max") }
    }

    /// UCUM case-sensitive codes are printable ASCII without spaces (UCUM section 2.1 rule 2).
    static func isUCUMSyntax(_ unit: String) -> Bool {
        (1...32).contains(unit.utf8.count) && unit.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
