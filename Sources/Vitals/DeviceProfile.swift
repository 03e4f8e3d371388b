import JSON

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

extension DeviceProfile {
    /// Reads a `Devices/<name>.json` file:
    ///
    ///     {"profile":"pulse-oximeter","description":"...","expected_interval":60,"metrics":[
    ///       {"key":"spo2","loinc":"2708-6","display":"...","unit":"%","min":50,"max":100,"required":true}]}
    ///
    /// `expected_interval` (seconds, optional) is the longest normal gap between readings.
    ///
    /// Every member listed is required and no others are allowed, so a typo
    /// in a field name is an error rather than a silently ignored setting.
    public static func parse(_ bytes: [UInt8]) throws(ProfileError) -> DeviceProfile {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ProfileError(field: "document", problem: error.description)
        }
        let fields = try ProfileFields(document, at: "document", allowed: ["profile", "description", "metrics", "expected_interval"])
        guard case .array(let items) = try fields.require("metrics") else {
            throw ProfileError(field: "metrics", problem: "must be an array")
        }
        var metrics: [MetricSpec] = []
        for (i, item) in items.enumerated() {
            metrics.append(try parseMetric(item, at: "metrics[\(i)]"))
        }
        var interval: Int?
        if let value = fields.object["expected_interval"] {
            guard let n = value.int64, let i = Int(exactly: n) else {
                throw ProfileError(field: "expected_interval", problem: "must be a whole number of seconds")
            }
            interval = i
        }
        return try DeviceProfile(name: try fields.string("profile"), description: try fields.string("description"), metrics: metrics,
                                 expectedIntervalSeconds: interval)
    }

    static func parseMetric(_ value: JSONValue, at path: String) throws(ProfileError) -> MetricSpec {
        let fields = try ProfileFields(value, at: path, allowed: ["key", "loinc", "display", "unit", "min", "max", "required"])
        guard case .bool(let required) = try fields.require("required") else {
            throw ProfileError(field: "\(path).required", problem: "must be true or false")
        }
        return MetricSpec(
            key: try fields.string("key"), loinc: try fields.string("loinc"), display: try fields.string("display"),
            unit: try fields.string("unit"), min: try fields.decimal("min"), max: try fields.decimal("max"), required: required)
    }
}

/// The members of one profile object, with errors that name the field path.
struct ProfileFields {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, at path: String, allowed: Set<String>) throws(ProfileError) {
        guard case .object(let object) = value else { throw ProfileError(field: path, problem: "must be a JSON object") }
        for member in object.members where !allowed.contains(member.key) {
            throw ProfileError(field: path, problem: "has unknown member \"\(member.key)\"; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path == "document" ? key : "\(path).\(key)" }

    func require(_ key: String) throws(ProfileError) -> JSONValue {
        guard let value = object[key] else { throw ProfileError(field: name(key), problem: "is missing") }
        return value
    }

    func string(_ key: String) throws(ProfileError) -> String {
        guard case .string(let s) = try require(key) else { throw ProfileError(field: name(key), problem: "must be a string") }
        return s
    }

    func decimal(_ key: String) throws(ProfileError) -> ExactDecimal {
        guard case .number(let n) = try require(key), let d = n.decimal else {
            throw ProfileError(field: name(key), problem: "must be a number with at most 18 significant digits")
        }
        return d
    }
}

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

/// A device profile file that cannot be used, naming the field to fix.
public struct ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Path of the offending field, e.g. `metrics[1].loinc`, or `document`.
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "device profile field \(field): \(problem)" }
}

/// Units a payload may name for a profile's UCUM unit. SenML (RFC 8428
/// section 12.1 registry) spells some units differently from UCUM: heart
/// rate is `beat/min`, rates `1/min`, and mm[Hg] is written `mmHg` by many devices.
enum UnitAliases {
    static let table: [String: Set<String>] = [
        "/min": ["/min", "1/min", "beat/min", "beats/min"],
        "mm[Hg]": ["mm[Hg]", "mmHg"],
        "%": ["%"],
        "Cel": ["Cel"],
    ]

    static func matches(_ unit: String, profileUnit: String) -> Bool {
        unit == profileUnit || table[profileUnit]?.contains(unit) == true
    }
}

/// LOINC code syntax: 1 to 7 digits, a hyphen, and a mod-10 check digit
/// (the Luhn algorithm, LOINC Users' Guide appendix "Calculating Mod 10
/// check digits"), which catches a mistyped digit in a profile file.
enum LOINC {
    static func isValid(_ code: String) -> Bool {
        let parts = code.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2, (1...7).contains(parts[0].count), parts[1].count == 1,
              parts[0].allSatisfy(Identifier.isDigit), let check = parts[1].first, Identifier.isDigit(check)
        else { return false }
        return checkDigit(parts[0].map { Int($0 - UInt8(ascii: "0")) }) == Int(check - UInt8(ascii: "0"))
    }

    /// Doubles every other digit starting from the rightmost, sums the digits
    /// of the results, and returns what brings the sum to a multiple of 10.
    static func checkDigit(_ digits: [Int]) -> Int {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            let weighted = position % 2 == 0 ? digit * 2 : digit
            sum += weighted / 10 + weighted % 10
        }
        return (10 - sum % 10) % 10
    }
}

/// A device's enrolment, as the gateway's registry reports it.
public enum DeviceStatus: Sendable {
    case unknown
    case revoked
    case enrolled(DeviceProfile)
}
