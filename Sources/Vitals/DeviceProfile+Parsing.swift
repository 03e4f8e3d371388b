import JSON

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
