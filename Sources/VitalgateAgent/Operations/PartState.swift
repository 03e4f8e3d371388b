import JSON

/// How healthy a part is, in the three levels of the monitoring-plugin
/// convention (Nagios, Icinga, Sensu): `status --check` exits with the
/// worst level's code, 0, 1 or 2.
public enum Health: String, Sendable, Comparable, CaseIterable {
    case ok, warning, critical

    public var exitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        }
    }

    /// The plugin convention's word: OK, WARNING, CRITICAL.
    public var word: String { rawValue.uppercased() }

    private var rank: Int { Health.allCases.firstIndex(of: self)! }
    public static func < (a: Health, b: Health) -> Bool { a.rank < b.rank }
}

/// The parts of a running agent whose state `status` reports, in the order it shows them.
public enum AgentPart: String, Sendable, CaseIterable {
    case ingest, broker, ledger, anchoring, delivery, storage, clock
}

/// What one part is doing now and since when, in plain words.
public struct PartState: Sendable, Equatable {
    public var health: Health
    /// A few words a script can match: `connected`, `unreachable`, `blocked`.
    public var state: String
    /// The current error or situation for a person, without secrets; may be empty.
    public var detail: String
    /// When `health` and `state` last changed (ms since the epoch); a new
    /// detail alone does not move it.
    public var since: Int64

    public init(_ health: Health, _ state: String, _ detail: String = "", since: Int64) {
        self.health = health
        self.state = state
        self.detail = detail
        self.since = since
    }

    /// `state: detail`, or just the state.
    public var summary: String { detail.isEmpty ? state : "\(state): \(detail)" }

    /// True when `other` is the same situation (the time it began aside).
    func sameSituation(_ other: PartState) -> Bool { health == other.health && state == other.state }

    /// The `agent_state.value` of this state (its `updated_at` holds `since`).
    var storedValue: String {
        JSONValue.object(JSONObject([
            (key: "health", value: .string(health.rawValue)),
            (key: "state", value: .string(state)),
            (key: "detail", value: .string(detail)),
        ])).serialized()
    }

    /// Reads an `agent_state` row. A row an earlier release wrote holds a
    /// bare state ("connected", "paused: …"): its health is unknown (nil).
    static func stored(_ value: String, since: Int64) -> (PartState, known: Bool) {
        if let object = try? JSONParser.parse(Array(value.utf8)), let state = object["state"]?.string,
           let health = object["health"]?.string.flatMap(Health.init(rawValue:)) {
            return (PartState(health, state, object["detail"]?.string ?? "", since: since), true)
        }
        let (state, detail) = value.firstIndex(of: ":").map { (String(value[..<$0]), String(value[value.index(after: $0)...]).trimmingSpaces()) } ?? (value, "")
        return (PartState(.warning, state, detail, since: since), false)
    }

    var json: JSONValue {
        .object(JSONObject([
            (key: "health", value: .string(health.rawValue)),
            (key: "state", value: .string(state)),
            (key: "detail", value: .string(detail)),
            (key: "since", value: .int(since)),
            (key: "since_utc", value: .string(Clock.iso8601(millis: since))),
        ]))
    }

    init?(json: JSONValue) {
        guard let health = json["health"]?.string.flatMap(Health.init(rawValue:)), let state = json["state"]?.string,
              let since = json["since"]?.int64 else { return nil }
        self.init(health, state, json["detail"]?.string ?? "", since: since)
    }
}
