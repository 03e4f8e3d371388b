/// The agent's metrics in the Prometheus text format, for node_exporter's
/// textfile collector (docs/operations.md lists every metric and the alert
/// rules in Provisioning/vitalgate-alerts.yml use them).
public struct MetricsFile: Sendable {
    public static let fileName = "vitalgate.prom"

    /// What the agent knows now, beside the database's facts.
    public struct Live: Sendable {
        public var version: String
        public var gatewayID: String
        public var up: Bool
        public var startedAt: Int64
        public var heartbeatAt: Int64
        public var parts: [AgentPart: PartState]
        public var ingestHealthy: Bool
        public var storedReadings: Int64?
        public var commitLatency: Histogram.Snapshot
        public var storage: StorageCheck
        public var clockSynchronised: Bool
        public var anchorInterval: Double
    }

    public static func render(_ live: Live, _ facts: GatewayFacts) -> String {
        func seconds(_ millis: Int64) -> Double { Double(millis) / 1000 }
        func flag(_ b: Bool) -> Double { b ? 1 : 0 }
        var p = PrometheusText()
        p.gauge("vitalgate_build_info", "The agent's version and gateway id; always 1.",
                [([("version", live.version), ("gateway", live.gatewayID)], 1)])
        p.gauge("vitalgate_agent_up", "1 while the agent runs; 0 once it stopped cleanly (a killed agent leaves 1 and a stale heartbeat).", flag(live.up))
        p.gauge("vitalgate_agent_start_time_seconds", "When the agent started (Unix time).", seconds(live.startedAt))
        p.gauge("vitalgate_heartbeat_timestamp_seconds", "When the agent last wrote this file (Unix time); stale means down or hung.", seconds(live.heartbeatAt))
        p.gauge("vitalgate_health", "Each part's health: 0 ok, 1 warning, 2 critical (vitalgate status --check).",
                AgentPart.allCases.compactMap { part in live.parts[part].map { ([("part", part.rawValue)], Double($0.health.exitCode)) } })
        p.gauge("vitalgate_ingest_healthy", "1 while ingest commits or has nothing to do; 0 while it makes no progress with readings waiting.", flag(live.ingestHealthy))
        if let stored = live.storedReadings {
            p.counter("vitalgate_readings_stored_total", "Readings stored in the log.", [([], Double(stored))])
        }
        p.counter("vitalgate_readings_rejected_total", "Messages rejected, by reason (duplicates are counted apart).",
                  facts.rejectedByReason.map { ([("reason", $0.reason)], Double($0.count)) })
        p.counter("vitalgate_readings_duplicate_total", "Resends of readings already stored (normal after a lost ack); not rejections.",
                  [([], Double(facts.duplicates))])
        p.gauge("vitalgate_log_leaves", "Leaves in the Merkle log (readings, key rotations, access events).", Double(facts.treeSize))
        if let c = facts.checkpoint {
            p.gauge("vitalgate_checkpoint_tree_size", "Tree size of the newest signed checkpoint.", Double(c.size))
            p.gauge("vitalgate_checkpoint_timestamp_seconds", "When the newest checkpoint was signed (Unix time).", seconds(c.createdAt))
        }
        if let since = facts.unanchoredSince {
            p.gauge("vitalgate_checkpoint_unanchored_since_timestamp_seconds",
                    "Signing time of the oldest checkpoint no anchor in a mempool or block covers yet; absent when all are covered.", seconds(since))
        }
        p.gauge("vitalgate_anchor_interval_seconds", "The anchor_interval setting.", live.anchorInterval)
        p.gauge("vitalgate_anchors", "Anchors by state.", AnchorState.allCases.map { ([("state", $0.rawValue)], Double(facts.anchorsByState[$0] ?? 0)) })
        if let a = facts.lastFinal {
            p.gauge("vitalgate_anchor_final_tree_size", "Tree size of the newest final (deep enough) anchor.", Double(a.treeSize))
            p.gauge("vitalgate_anchor_final_timestamp_seconds", "When the newest final anchor became final (Unix time).", seconds(a.at))
        }
        if let backlog = facts.deliveryBacklog {
            p.gauge("vitalgate_delivery_backlog_readings", "Readings not yet delivered to the clinic.", Double(backlog.count))
            if let oldest = backlog.oldest {
                p.gauge("vitalgate_delivery_backlog_oldest_timestamp_seconds", "Arrival of the oldest reading not yet delivered (Unix time); absent when none waits.", seconds(oldest))
            }
            p.gauge("vitalgate_delivery_failed_readings", "Readings the clinic refused for good (kept in delivery_batches).", Double(facts.deliveryFailed))
        }
        p.gauge("vitalgate_storage_used_bytes", "The database with its -wal and -shm, less the free pages pruning left (reused by new rows).", Double(live.storage.usedBytes))
        p.gauge("vitalgate_storage_free_bytes", "Free space on the database's filesystem.", Double(live.storage.freeBytes))
        p.gauge("vitalgate_storage_budget_bytes", "The storage_budget setting in bytes (docs/storage.md).", Double(live.storage.budgetBytes))
        p.gauge("vitalgate_storage_full", "1 while the budget is reached and nothing may be pruned: ingest does not acknowledge (docs/storage.md).", flag(live.storage.full))
        p.gauge("vitalgate_broker_connected", "1 while the agent has its broker session.", flag(live.parts[.broker]?.state == "connected"))
        p.gauge("vitalgate_ledger_reachable", "1 while a ledger node answers.", flag(live.parts[.ledger]?.state == "reachable"))
        p.gauge("vitalgate_anchoring_blocked", "1 while anchoring cannot go on by itself (e.g. an empty wallet).", flag(live.parts[.anchoring]?.state == "blocked"))
        p.gauge("vitalgate_clock_synchronized", "1 while the kernel reports the clock synchronised (NTP).", flag(live.clockSynchronised))
        p.gauge("vitalgate_device_last_reading_timestamp_seconds", "When each enrolled device's last reading arrived (Unix time).",
                facts.devices.filter { $0.enrolled && $0.lastSeen != nil }.map { ([("device", $0.id), ("profile", $0.profile)], seconds($0.lastSeen!)) })
        p.gauge("vitalgate_device_expected_interval_seconds", "Longest normal gap between readings, by its profile, for devices assigned to a patient.",
                facts.devices.filter { $0.enrolled && $0.assigned && $0.expectedIntervalSeconds != nil }
                    .map { ([("device", $0.id), ("profile", $0.profile)], Double($0.expectedIntervalSeconds!)) })
        p.histogram("vitalgate_ingest_commit_duration_seconds", "Durable group commits of readings, since the agent started.", live.commitLatency)
        return p.text
    }
}
