/// Every setting of the agent: its config-file key, the environment variable
/// that overrides the file (`VITALGATE_` + upper-cased key), its default and
/// the comment written into a new config file. Flags override both.
public struct Setting: Sendable {
    public let key: String
    public let defaultValue: String?
    public let help: String

    public var environmentVariable: String { "VITALGATE_" + key.uppercased() }

    public static let all: [Setting] = [
        Setting(key: "gateway_id", defaultValue: nil, help: "This gateway's name; the checkpoint origin is `vitalgate/<gateway_id>`."),
        Setting(key: "mqtt_host", defaultValue: "127.0.0.1", help: "MQTT broker the devices publish to."),
        Setting(key: "mqtt_port", defaultValue: "1883", help: "Broker port."),
        Setting(key: "mqtt_client_id", defaultValue: nil, help: "Fixed client id for the persistent session (default vitalgate-<gateway_id>); a broker with use_username_as_clientid, as the shipped gateway configuration, uses mqtt_username instead."),
        Setting(key: "mqtt_username", defaultValue: nil, help: "Broker user for the agent, if the broker requires one."),
        Setting(key: "mqtt_password_file", defaultValue: nil, help: "File holding the agent's broker password (mode 0600)."),
        Setting(key: "passphrase_file", defaultValue: nil, help: "File holding the passphrase of a sealed gateway.key (mode 0600, readable by the service user only); without it `run` prompts."),
        Setting(key: "broker_password_file", defaultValue: nil, help: "The broker's password file that `device add`/`revoke` rewrite (default <home>/broker/passwd)."),
        Setting(key: "broker_acl_file", defaultValue: nil, help: "The broker's ACL file that `device add`/`revoke` rewrite (default <home>/broker/acl)."),
        Setting(key: "broker_pid_file", defaultValue: nil, help: "The broker's pid file: `device add`/`revoke` send it SIGHUP so it re-reads passwords and ACLs."),
        Setting(key: "ledger_url", defaultValue: "http://127.0.0.1:9332", help: "Ledger node JSON-RPC URL(s), comma-separated; the next is tried when one fails."),
        Setting(key: "ledger_wallet", defaultValue: "vitalgate", help: "Wallet on the ledger node that pays for anchors (created if missing)."),
        Setting(key: "ledger_cookie", defaultValue: nil, help: "The node's .cookie file (preferred), or ledger_user and ledger_password; comma-separated, one per ledger_url, when the nodes differ."),
        Setting(key: "ledger_user", defaultValue: nil, help: "RPC user (with ledger_password)."),
        Setting(key: "ledger_password", defaultValue: nil, help: "RPC password. Prefer ledger_cookie: this file would then hold a secret."),
        Setting(key: "fee_rate", defaultValue: nil, help: "Anchor fee rate in coins per kvB (default: the node's 6-block estimate), held within fee_rate_min...fee_rate_max."),
        Setting(key: "fee_rate_min", defaultValue: "0.00001", help: "Lowest anchor fee rate in coins per kvB (0.00001 = 1 sat/vB, the default minimum relay fee)."),
        Setting(key: "fee_rate_max", defaultValue: "0.0005", help: "Highest anchor fee rate in coins per kvB (0.0005 = 50 sat/vB): caps the cost when estimates spike."),
        Setting(key: "checkpoint_interval", defaultValue: "60", help: "Seconds between signed checkpoints (T)."),
        Setting(key: "checkpoint_every", defaultValue: "1000", help: "Also sign a checkpoint after this many new readings (N)."),
        Setting(key: "anchor_interval", defaultValue: "600", help: "Seconds between anchors (A, at least checkpoint_interval)."),
        Setting(key: "confirmations", defaultValue: "6", help: "Blocks on top of an anchor before it counts as confirmed."),
        Setting(key: "max_payload_bytes", defaultValue: "4096", help: "Larger MQTT payloads are rejected unread."),
        Setting(key: "max_future_skew", defaultValue: "300", help: "Seconds a reading's ts may lie ahead of the gateway clock."),
        Setting(key: "max_past_skew", defaultValue: "604800", help: "Seconds a reading's ts may lie behind the gateway clock."),
        Setting(key: "rejections_kept", defaultValue: "100000", help: "Rejected messages kept in the record; older ones are dropped but still counted."),
        Setting(key: "clinic_url", defaultValue: nil, help: "FHIR R4 base URL of the clinic's record system; delivery is off unless set (docs/fhir.md)."),
        Setting(key: "clinic_token_file", defaultValue: nil, help: "File holding the bearer token for the clinic server (mode 0600)."),
        Setting(key: "clinic_ca_file", defaultValue: nil, help: "PEM file of CAs to trust for an https clinic_url instead of the system store."),
        Setting(key: "delivery_batch", defaultValue: "100", help: "Readings per transaction Bundle sent to the clinic."),
        Setting(key: "delivery_timeout", defaultValue: "30", help: "Seconds one delivery request may take."),
        Setting(key: "delivery_retry_cap", defaultValue: "300", help: "Longest wait, in seconds, between delivery retries (backoff doubles from 1 s)."),
        // Storage (docs/storage.md).
        Setting(key: "retain_days", defaultValue: "30", help: "Days a reading's payload is kept at least; it is pruned after that once the clinic has it and a confirmed anchor covers it (docs/storage.md)."),
        Setting(key: "storage_budget", defaultValue: "50%", help: "Most the database may use: a share of its filesystem (`50%`) or a size (`20G`); above it delivered, anchored readings are pruned oldest first, and if none may go the agent stops acknowledging."),
        Setting(key: "archive_dir", defaultValue: nil, help: "Folder that receives full tiles of the log's hashes (a mounted share, a USB disk, a synced folder); they are dropped here once read back. Without it the hashes of pruned readings stay here (32 bytes each)."),
        Setting(key: "commit_window", defaultValue: "0.2", help: "Under steady load, seconds a reading may wait to share a commit (fewer, larger commits write far less to the card); acknowledgements follow each commit."),
    ]

    public static func named(_ key: String) -> Setting? { all.first { $0.key == key } }

    /// The value of setting `key`: a flag (`overrides`), else its environment
    /// variable, else the config file, else its default; empty values count as unset.
    public static func resolve(_ key: String, overrides: [String: String] = [:], environment: [String: String],
                               file: ConfigFile) -> String? {
        guard let setting = named(key) else { preconditionFailure("unknown setting \(key)") }
        if let v = overrides[key] { return v }
        if let v = environment[setting.environmentVariable], !v.isEmpty { return v }
        if let v = file[key], !v.isEmpty { return v }
        return setting.defaultValue
    }
}
