import JSON
import SQLiteStore

/// What `vitalgate status` shows: the agent's presence (the lock it holds
/// and its heartbeat), each part's state now, or as last seen when the
/// agent is not running, said as such, and the counts from the database,
/// read with a read-only connection (WAL readers never block the agent).
/// docs/operations.md explains every state and the exit codes of `--check`.
public struct StatusReport: Sendable {
    public var gatewayID: String
    public var stored: Int64
    /// Rejections, duplicates left out: a resend of a stored reading is normal.
    public var rejected: Int64
    public var rejectedByReason: [(reason: String, count: Int64)]
    public var duplicates: Int64
    public var rejectionsDropped: Int64
    public var treeSize: Int64
    public var checkpoints: Int64
    public var lastCheckpoint: StoredCheckpoint?
    public var anchorsPending: Int64
    public var anchorsConfirmed: Int64
    public var lastConfirmed: AnchorRecord?
    /// The ledger's best block height as last seen; makes confirmation counts live.
    public var ledgerTipHeight: Int64?
    /// Readings by FHIR delivery state (pending, delivered, failed, unassigned); empty without a clinic.
    public var delivery: [(state: String, count: Int64)]
    /// Held, pruned and archived (issue 14; `StorageFacts`).
    public var storage: StorageFacts
    /// The oldest checkpoint that no anchor in a mempool or a block covers, if any.
    public var unanchoredSince: Int64?

    public var agent: AgentRun
    /// Each part's state; `current` is false when it is what a stopped agent last saw.
    public var parts: [(part: AgentPart, state: PartState, current: Bool)]
    /// The verdict: the worst level and what made it so.
    public var health: Health
    public var problems: [String]

    /// Whether the agent runs, in the words `status` uses.
    public enum AgentRun: Sendable, Equatable {
        case running(pid: Int32, startedAt: Int64, heartbeatAt: Int64)
        /// It holds the lock and has not written its first heartbeat yet (a second or so).
        case starting(pid: Int32?)
        /// It holds the lock, but its heartbeat stopped.
        case hung(pid: Int32?, heartbeatAt: Int64?)
        /// Another command holds the home (`rotate-key`).
        case locked(pid: Int32?, by: String)
        case stopped(at: Int64)
        /// It ended without a clean stop: SIGKILL, a crash, a power cut.
        case killed(startedAt: Int64, lastHeartbeat: Int64?)
        case neverRun

        public var isRunning: Bool { if case .running = self { true } else { false } }

        public var word: String {
            switch self {
            case .running: "running"
            case .starting: "starting"
            case .hung: "hung"
            case .locked: "locked"
            case .stopped: "stopped"
            case .killed: "killed"
            case .neverRun: "never run"
            }
        }
    }

    /// - Parameter anchorInterval: the `anchor_interval` setting (for "anchoring stalled").
    public init(db: Database, home: GatewayHome, anchorInterval: Double?, now: Int64 = WallClock.nowMillis()) throws {
        gatewayID = try db.meta("gateway_id") ?? "?"
        // Pruned readings were stored too (docs/storage.md); `storage` says how many are held.
        storage = try StorageFacts(db: db)
        stored = storage.held + storage.pruned
        let counts = try db.prepare("SELECT reason, count FROM rejection_counts ORDER BY reason").rows { ($0.text(0) ?? "", $0.int64(1)) }
        rejectedByReason = counts.filter { $0.0 != "duplicate" }.map { (reason: $0.0, count: $0.1) }
        duplicates = counts.first { $0.0 == "duplicate" }?.1 ?? 0
        rejected = rejectedByReason.reduce(0) { $0 + $1.count }
        rejectionsDropped = Int64(try db.meta("rejections_dropped") ?? "0") ?? 0
        treeSize = Int64(try MerkleNodeTable(db).treeSize())
        let checkpointTable = CheckpointTable(db)
        checkpoints = try checkpointTable.count()
        lastCheckpoint = try checkpointTable.latest()
        let anchors = AnchorTable(db)
        let byState = try anchors.countsByState()
        anchorsPending = [AnchorState.pending, .broadcast, .confirmed].reduce(0) { $0 + (byState[$1] ?? 0) }
        anchorsConfirmed = byState[.final] ?? 0
        lastConfirmed = try anchors.lastFinal()
        delivery = try db.prepare("SELECT state, COUNT(*) FROM deliveries GROUP BY state ORDER BY state").rows { ($0.text(0) ?? "", $0.int64(1)) }
        unanchoredSince = try db.prepare("""
            SELECT MIN(created_at) FROM checkpoints WHERE tree_size >
                (SELECT COALESCE(MAX(tree_size), 0) FROM anchors WHERE state IN ('broadcast', 'confirmed', 'final'))
            """).rows { $0.isNull(0) ? nil : $0.int64(0) }.first ?? nil

        let rows = try db.prepare("SELECT key, value, updated_at FROM agent_state").rows { ($0.text(0) ?? "", $0.text(1) ?? "", $0.int64(2)) }
        var recorded: [String: (PartState, known: Bool)] = [:]
        for (key, value, at) in rows where key != "ledger_tip" { recorded[key] = PartState.stored(value, since: at) }
        let recordedTip = rows.first { $0.0 == "ledger_tip" }.flatMap { Int64($0.1) }

        // Running now? The lock says so, and the heartbeat says it is alive.
        let presence = AgentPresence.probe(home)
        let live = LiveStatus.read(home)
        let agentRow = recorded["agent"]?.0
        if presence.locked {
            if let purpose = presence.purpose, purpose != "vitalgate run" {
                agent = .locked(pid: presence.pid, by: purpose)
            } else if let live, presence.pid == nil || presence.pid == live.pid {
                agent = now - live.heartbeatAt <= LiveStatus.staleAfterSeconds * 1000
                    ? .running(pid: live.pid, startedAt: live.startedAt, heartbeatAt: live.heartbeatAt)
                    : .hung(pid: live.pid, heartbeatAt: live.heartbeatAt)
            } else if let pid = presence.pid, let age = AgentPresence.processAge(pid), age > Double(LiveStatus.staleAfterSeconds) {
                // Its own file never came: it has been stuck since it started.
                agent = .hung(pid: pid, heartbeatAt: nil)
            } else {
                // The file is the last run's (or none yet): this one is starting.
                agent = .starting(pid: presence.pid)
            }
        } else if let agentRow, agentRow.state == "stopped" {
            agent = .stopped(at: agentRow.since)
        } else if let agentRow {
            agent = .killed(startedAt: agentRow.since, lastHeartbeat: live?.heartbeatAt)
        } else if recorded.isEmpty {
            agent = .neverRun
        } else {
            // Rows from a release before the live status: it ran, it is not running.
            agent = .killed(startedAt: recorded.values.map(\.0.since).max() ?? 0, lastHeartbeat: live?.heartbeatAt)
        }

        if case .running = agent, let live {
            parts = AgentPart.allCases.compactMap { part in live.parts[part].map { (part, $0, true) } }
            ledgerTipHeight = live.ledgerTipHeight ?? recordedTip
        } else {
            parts = AgentPart.allCases.compactMap { part in recorded[part.rawValue].map { (part, $0.0, false) } }
            ledgerTipHeight = recordedTip
        }

        // The verdict.
        var problems: [(Health, String)] = []
        switch agent {
        case .running:
            for (part, state, _) in parts where state.health != .ok { problems.append((state.health, "\(part.rawValue) \(state.summary)")) }
            if let since = unanchoredSince, let interval = anchorInterval, Double(now - since) > 2 * interval * 1000 {
                problems.append((.warning, "anchoring stalled: a checkpoint signed \(WallClock.age(of: since, now: now)) is not anchored yet (anchor_interval \(WallClock.duration(Int64(interval))))"))
            }
        case .starting(let pid):
            problems.append((.warning, "agent starting (pid \(pid.map(String.init) ?? "?"))"))
        case .hung(let pid, let heartbeat):
            problems.append((.critical, "agent hung: pid \(pid.map(String.init) ?? "?") holds the lock but " + (heartbeat.map { "its last heartbeat was \(WallClock.age(of: $0, now: now))" } ?? "has written no heartbeat")))
        case .locked(let pid, let by):
            problems.append((.critical, "agent not running: `\(by)` (pid \(pid.map(String.init) ?? "?")) holds the gateway home"))
        case .stopped(let at):
            problems.append((.critical, "agent not running: stopped cleanly at \(WallClock.iso8601(millis: at)) (\(WallClock.age(of: at, now: now)))"))
        case .killed(_, let heartbeat):
            problems.append((.critical, "agent not running: it ended without a clean stop (killed, crashed or power lost)" + (heartbeat.map { "; last heartbeat \(WallClock.iso8601(millis: $0)) (\(WallClock.age(of: $0, now: now)))" } ?? "")))
        case .neverRun:
            problems.append((.critical, "agent not running: it has never run on this home"))
        }
        health = problems.map(\.0).max() ?? .ok
        // The worst first, so the one summary line starts with what matters most.
        self.problems = problems.sorted { $0.0 > $1.0 }.map(\.1)
    }

    /// An anchor's confirmations now, when the ledger's tip is known (the
    /// stored count stops at the moment the anchor became final).
    public func confirmations(of anchor: AnchorRecord) -> Int64 {
        guard let tip = ledgerTipHeight, let height = anchor.blockHeight, tip >= height else { return anchor.confirmations }
        return max(anchor.confirmations, tip - height + 1)
    }

    /// The monitoring-plugin line of `status --check`: `VITALGATE OK - …`.
    public var checkLine: String {
        if problems.isEmpty {
            let states = parts.filter { [.broker, .ledger].contains($0.part) }.map { "\($0.part.rawValue) \($0.state.state)" }
            var uptime = ""
            if case .running(let pid, let started, _) = agent { uptime = " (pid \(pid), up \(WallClock.duration((WallClock.nowMillis() - started) / 1000)))" }
            return "VITALGATE OK - agent running\(uptime), \(stored) stored, " + states.joined(separator: ", ")
        }
        return "VITALGATE \(health.word) - " + problems.joined(separator: "; ")
    }

    public var json: JSONValue {
        var anchors: [(key: String, value: JSONValue)] = [
            (key: "pending", value: .int(anchorsPending)),
            (key: "confirmed", value: .int(anchorsConfirmed)),
        ]
        if let a = lastConfirmed {
            anchors.append((key: "last_confirmed", value: .object(JSONObject([
                (key: "tree_size", value: .int(a.treeSize)),
                (key: "txid", value: .string(a.txid)),
                (key: "block_hash", value: a.blockHash.map { .string($0) } ?? .null),
                (key: "block_height", value: a.blockHeight.map { .int($0) } ?? .null),
                (key: "confirmations", value: .int(confirmations(of: a))),
                (key: "final_at", value: a.confirmedAt.map { .string(WallClock.iso8601(millis: $0)) } ?? .null),
            ]))))
        }
        var agentMembers: [(key: String, value: JSONValue)] = [
            (key: "running", value: .bool(agent.isRunning)),
            (key: "state", value: .string(agent.word)),
        ]
        switch agent {
        case .running(let pid, let started, let heartbeat):
            agentMembers += [(key: "pid", value: .int(pid)), (key: "started_at", value: .string(WallClock.iso8601(millis: started))),
                             (key: "heartbeat_at", value: .string(WallClock.iso8601(millis: heartbeat)))]
        case .starting(let pid):
            agentMembers += [(key: "pid", value: pid.map { .int($0) } ?? .null)]
        case .hung(let pid, let heartbeat):
            agentMembers += [(key: "pid", value: pid.map { .int($0) } ?? .null),
                             (key: "heartbeat_at", value: heartbeat.map { .string(WallClock.iso8601(millis: $0)) } ?? .null)]
        case .locked(let pid, let by):
            agentMembers += [(key: "pid", value: pid.map { .int($0) } ?? .null), (key: "locked_by", value: .string(by))]
        case .stopped(let at):
            agentMembers += [(key: "stopped_at", value: .string(WallClock.iso8601(millis: at)))]
        case .killed(let started, let heartbeat):
            agentMembers += [(key: "started_at", value: .string(WallClock.iso8601(millis: started))),
                             (key: "heartbeat_at", value: heartbeat.map { .string(WallClock.iso8601(millis: $0)) } ?? .null)]
        case .neverRun:
            break
        }
        var members: [(key: String, value: JSONValue)] = [
            (key: "gateway_id", value: .string(gatewayID)),
            (key: "version", value: .string(VitalgateVersion.current)),
            (key: "health", value: .object(JSONObject([
                (key: "level", value: .string(health.rawValue)),
                (key: "exit_code", value: .int(health.exitCode)),
                (key: "summary", value: .string(checkLine)),
                (key: "problems", value: .array(problems.map { .string($0) })),
            ]))),
            (key: "agent", value: .object(JSONObject(agentMembers))),
            (key: "stored", value: .int(stored)),
            (key: "rejected", value: .int(rejected)),
            (key: "rejected_by_reason", value: .object(JSONObject(rejectedByReason.map { (key: $0.reason, value: .int($0.count)) }))),
            (key: "duplicates", value: .int(duplicates)),
            (key: "rejections_dropped_from_record", value: .int(rejectionsDropped)),
            (key: "tree_size", value: .int(treeSize)),
            (key: "checkpoints", value: .int(checkpoints)),
            (key: "last_checkpoint", value: lastCheckpoint.map { .object(JSONObject([
                (key: "tree_size", value: .int($0.treeSize)), (key: "created_at", value: .int($0.createdAt)),
                (key: "created_at_utc", value: .string(WallClock.iso8601(millis: $0.createdAt))),
            ])) } ?? .null),
            (key: "anchors", value: .object(JSONObject(anchors))),
            (key: "ledger_tip_height", value: ledgerTipHeight.map { .int($0) } ?? .null),
        ]
        // Each part under its own name (`broker.state` is what scripts read), current or as last seen.
        // `delivery` also keeps, as before, the readings by delivery state (pending, delivered, failed,
        // unassigned): names that no part field uses.
        for (part, state, current) in parts {
            guard case .object(var object) = state.json else { continue }
            object.members.append((key: "current", value: .bool(current)))
            if part == .delivery { object.members += delivery.map { (key: $0.state, value: .int($0.count)) } }
            // `storage` also has what is held, pruned and archived (docs/storage.md).
            if part == .storage, case .object(let facts) = storage.json { object.members += facts.members }
            members.append((key: part.rawValue, value: .object(object)))
        }
        if !parts.contains(where: { $0.part == .delivery }) {
            members.append((key: "delivery", value: .object(JSONObject(delivery.map { (key: $0.state, value: .int($0.count)) }))))
        }
        if !parts.contains(where: { $0.part == .storage }) { members.append((key: "storage", value: storage.json)) }
        return .object(JSONObject(members))
    }

    /// One line for `status --watch` and `make run`.
    public var line: String {
        var s = "stored \(stored)  rejected \(rejected)  log \(treeSize)  checkpoints \(checkpoints)"
        s += "  anchors pending \(anchorsPending) confirmed \(anchorsConfirmed)"
        if let a = lastConfirmed { s += " (last: size \(a.treeSize) at height \(a.blockHeight ?? -1))" }
        guard agent.isRunning else { return s + "  AGENT \(agent.word.uppercased())" }
        let state = Dictionary(uniqueKeysWithValues: parts.map { ($0.part, $0.state) })
        if let i = state[.ingest], i.state != "running" { s += "  INGEST \(i.state)" }
        s += "  broker \(state[.broker]?.state ?? "unknown")  ledger \(state[.ledger]?.state ?? "unknown")"
        if let a = state[.anchoring], a.health != .ok { s += "  anchoring \(a.state)" }
        if let d = state[.delivery], d.health != .ok { s += "  delivery \(d.state)" }
        if let st = state[.storage], st.health != .ok { s += "  storage \(st.state)" }
        if storage.pruned > 0 { s += "  held \(storage.held) pruned \(storage.pruned)" }
        return s
    }
}
