import JSON

extension Reading {
    /// `{"device":..,"boot":..,"seq":..,"ts":..,"metrics":{..}}`, the form
    /// used in proof bundles and exports; metrics in bytewise key order.
    public var json: JSONValue {
        let metricMembers = metrics.map { (key: $0.key, value: JSONValue.number(JSONNumber($0.value))) }
        return .object(JSONObject([
            (key: "device", value: .string(device)),
            (key: "boot", value: .int(boot)),
            (key: "seq", value: .int(seq)),
            (key: "ts", value: .int(ts)),
            (key: "metrics", value: .object(JSONObject(metricMembers))),
        ]))
    }

    /// The inverse of `json`. Members may come in any order, but all five
    /// must be present and no others; metric values may be written in any
    /// JSON number form that denotes the same exact decimal.
    public init(json: JSONValue) throws(ReadingDecodingError) {
        guard case .object(let object) = json else { throw ReadingDecodingError("reading must be a JSON object") }
        let allowed: Set<String> = ["device", "boot", "seq", "ts", "metrics"]
        for member in object.members where !allowed.contains(member.key) {
            throw ReadingDecodingError("reading has an unexpected member; allowed: boot, device, metrics, seq, ts")
        }
        guard case .object(let metricObject) = object["metrics"] else { throw ReadingDecodingError("metrics must be a JSON object") }
        var metrics: [(key: String, value: ExactDecimal)] = []
        for member in metricObject.members {
            metrics.append((member.key, try Self.metricValue(member.key, member.value)))
        }
        try self.init(checking: object, metrics: metrics, bootRequired: true)
    }
}
