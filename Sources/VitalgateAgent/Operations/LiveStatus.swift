import JSON

/// What the running agent says about itself, rewritten every few seconds
/// in `<home>/agent-live.json` (docs/operations.md): who it is, when it
/// started, its heartbeat, and each part's state now. `status` believes it
/// only while the agent holds its lock and the heartbeat is fresh; it is a
/// small file replaced without fsync, so it costs an SD card almost nothing.
public struct LiveStatus: Sendable {
    public var pid: Int32
    public var version: String
    public var gatewayID: String
    public var startedAt: Int64
    public var heartbeatAt: Int64
    /// False once ingest stopped making progress with work waiting (the watchdog then stops too).
    public var ingestHealthy: Bool
    public var parts: [AgentPart: PartState]
    /// The ledger's best block height as last seen, for live confirmation counts.
    public var ledgerTipHeight: Int64?

    /// A heartbeat older than this, while the lock is held, means the agent hangs.
    public static let staleAfterSeconds: Int64 = 30

    public static func path(_ home: GatewayHome) -> String { home.path + "/agent-live.json" }

    public init(pid: Int32, version: String, gatewayID: String, startedAt: Int64, heartbeatAt: Int64,
                ingestHealthy: Bool, parts: [AgentPart: PartState], ledgerTipHeight: Int64?) {
        self.pid = pid
        self.version = version
        self.gatewayID = gatewayID
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.ingestHealthy = ingestHealthy
        self.parts = parts
        self.ledgerTipHeight = ledgerTipHeight
    }

    var json: JSONValue {
        .object(JSONObject([
            (key: "pid", value: .int(pid)),
            (key: "version", value: .string(version)),
            (key: "gateway_id", value: .string(gatewayID)),
            (key: "started_at", value: .int(startedAt)),
            (key: "heartbeat_at", value: .int(heartbeatAt)),
            (key: "ingest_healthy", value: .bool(ingestHealthy)),
            (key: "ledger_tip_height", value: ledgerTipHeight.map { .int($0) } ?? .null),
            (key: "parts", value: .object(JSONObject(AgentPart.allCases.compactMap { part in
                parts[part].map { (key: part.rawValue, value: $0.json) }
            }))),
        ]))
    }

    public func write(_ home: GatewayHome) throws {
        try Files.replaceUnsynced(json.serializedUTF8(pretty: true), at: Self.path(home), mode: 0o640)
    }

    /// The file as last written, or nil if it is missing or unreadable.
    public static func read(_ home: GatewayHome) -> LiveStatus? {
        guard let bytes = try? Files.read(path(home)), let value = try? JSONParser.parse(bytes),
              let pid = value["pid"]?.int64, let started = value["started_at"]?.int64,
              let heartbeat = value["heartbeat_at"]?.int64 else { return nil }
        var parts: [AgentPart: PartState] = [:]
        for member in value["parts"]?.object?.members ?? [] {
            if let part = AgentPart(rawValue: member.key), let state = PartState(json: member.value) { parts[part] = state }
        }
        return LiveStatus(pid: Int32(truncatingIfNeeded: pid), version: value["version"]?.string ?? "?",
                          gatewayID: value["gateway_id"]?.string ?? "?", startedAt: started, heartbeatAt: heartbeat,
                          ingestHealthy: value["ingest_healthy"]?.bool ?? true, parts: parts,
                          ledgerTipHeight: value["ledger_tip_height"]?.int64)
    }
}
