import JSON
import SQLiteStore

/// What `vitalgate status` shows; read from the database with a read-only
/// connection, so it works while the agent runs (WAL readers never block it).
public struct StatusReport: Sendable {
    public var gatewayID: String
    public var stored: Int64
    public var rejected: Int64
    public var rejectedByReason: [(reason: String, count: Int64)]
    public var rejectionsDropped: Int64
    public var treeSize: Int64
    public var checkpoints: Int64
    public var lastCheckpoint: StoredCheckpoint?
    public var anchorsPending: Int64
    public var anchorsConfirmed: Int64
    public var lastConfirmed: AnchorRecord?
    public var broker: (state: String, updatedAt: Int64)?
    public var ledger: (state: String, updatedAt: Int64)?
    public var ingest: (state: String, updatedAt: Int64)?
    /// Readings by FHIR delivery state (pending, delivered, failed, unassigned); empty without a clinic.
    public var delivery: [(state: String, count: Int64)]
    /// Held, pruned and archived (issue 14; `StorageFacts`).
    public var storage: StorageFacts

    public init(db: Database) throws {
        gatewayID = try db.meta("gateway_id") ?? "?"
        // Pruned readings were stored too (docs/storage.md); `storage` says how many are held.
        storage = try StorageFacts(db: db)
        stored = storage.held + storage.pruned
        rejectedByReason = try db.prepare("SELECT reason, count FROM rejection_counts ORDER BY reason").rows { ($0.text(0) ?? "", $0.int64(1)) }
        rejected = rejectedByReason.reduce(0) { $0 + $1.count }
        rejectionsDropped = Int64(try db.meta("rejections_dropped") ?? "0") ?? 0
        treeSize = Int64(try MerkleNodeTable(db).treeSize())
        let checkpointTable = CheckpointTable(db)
        checkpoints = try checkpointTable.count()
        lastCheckpoint = try checkpointTable.latest()
        let anchors = AnchorTable(db)
        let counts = try anchors.countsByState()
        anchorsPending = [AnchorState.pending, .broadcast, .confirmed].reduce(0) { $0 + (counts[$1] ?? 0) }
        anchorsConfirmed = counts[.final] ?? 0
        lastConfirmed = try anchors.lastFinal()
        let states = try db.prepare("SELECT key, value, updated_at FROM agent_state").rows { ($0.text(0) ?? "", $0.text(1) ?? "", $0.int64(2)) }
        broker = states.first { $0.0 == "broker" }.map { ($0.1, $0.2) }
        ledger = states.first { $0.0 == "ledger" }.map { ($0.1, $0.2) }
        ingest = states.first { $0.0 == "ingest" }.map { ($0.1, $0.2) }
        delivery = try db.prepare("SELECT state, COUNT(*) FROM deliveries GROUP BY state ORDER BY state").rows { ($0.text(0) ?? "", $0.int64(1)) }
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
                (key: "confirmations", value: .int(a.confirmations)),
            ]))))
        }
        func peer(_ p: (state: String, updatedAt: Int64)?) -> JSONValue {
            guard let p else { return .null }
            return .object(JSONObject([(key: "state", value: .string(p.state)), (key: "updated_at", value: .int(p.updatedAt))]))
        }
        return .object(JSONObject([
            (key: "gateway_id", value: .string(gatewayID)),
            (key: "stored", value: .int(stored)),
            (key: "rejected", value: .int(rejected)),
            (key: "rejected_by_reason", value: .object(JSONObject(rejectedByReason.map { (key: $0.reason, value: .int($0.count)) }))),
            (key: "rejections_dropped_from_record", value: .int(rejectionsDropped)),
            (key: "tree_size", value: .int(treeSize)),
            (key: "checkpoints", value: .int(checkpoints)),
            (key: "last_checkpoint", value: lastCheckpoint.map { .object(JSONObject([
                (key: "tree_size", value: .int($0.treeSize)), (key: "created_at", value: .int($0.createdAt)),
            ])) } ?? .null),
            (key: "anchors", value: .object(JSONObject(anchors))),
            (key: "broker", value: peer(broker)),
            (key: "ledger", value: peer(ledger)),
            (key: "ingest", value: peer(ingest)),
            (key: "delivery", value: .object(JSONObject(delivery.map { (key: $0.state, value: .int($0.count)) }))),
            (key: "storage", value: storage.json),
        ]))
    }

    /// One line for `status --watch` and `make run`.
    public var line: String {
        var s = "stored \(stored)  rejected \(rejected)  log \(treeSize)  checkpoints \(checkpoints)"
        s += "  anchors pending \(anchorsPending) confirmed \(anchorsConfirmed)"
        if let a = lastConfirmed { s += " (last: size \(a.treeSize) at height \(a.blockHeight ?? -1))" }
        if let i = ingest, i.state != "running" { s += "  INGEST \(i.state)" }
        s += "  broker \(broker?.state ?? "unknown")  ledger \((ledger?.state ?? "unknown").split(separator: " ").first ?? "")"
        return s
    }
}
