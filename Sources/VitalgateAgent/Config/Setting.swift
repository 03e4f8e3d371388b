import LedgerRPC

/// Every setting of the agent: its config-file key, the environment variable
/// that overrides the file (`VITALGATE_` + upper-cased key), its default and
/// the comment written into a new config file. Flags override both.
public struct Setting: Sendable {
    public let key: String
    public let defaultValue: String?
    public let help: String
    /// What a value must look like; checked at `provision --set`, at start and by `config check`.
    public let kind: Kind

    public init(key: String, defaultValue: String?, help: String, kind: Kind = .text) {
        self.key = key
        self.defaultValue = defaultValue
        self.help = help
        self.kind = kind
    }

    public var environmentVariable: String { "VITALGATE_" + key.uppercased() }

    public static let all: [Setting] = [
        Setting(key: "gateway_id", defaultValue: nil, help: "This gateway's name; the checkpoint origin is `vitalgate/<gateway_id>`.", kind: .identifier),
        Setting(key: "mqtt_host", defaultValue: "127.0.0.1", help: "MQTT broker the devices publish to."),
        Setting(key: "mqtt_port", defaultValue: "1883", help: "Broker port.", kind: .port),
        Setting(key: "mqtt_client_id", defaultValue: nil, help: "Fixed client id for the persistent session (default vitalgate-<gateway_id>); a broker with use_username_as_clientid, as the shipped gateway configuration, uses mqtt_username instead."),
        Setting(key: "mqtt_username", defaultValue: nil, help: "Broker user for the agent, if the broker requires one."),
        Setting(key: "mqtt_password_file", defaultValue: nil, help: "File holding the agent's broker password (mode 0600).", kind: .path),
        Setting(key: "passphrase_file", defaultValue: nil, help: "File holding the passphrase of a sealed gateway.key (mode 0600, readable by the service user only); without it `run` prompts.", kind: .path),
        Setting(key: "broker_password_file", defaultValue: nil, help: "The broker's password file that `device add`/`revoke` rewrite (default <home>/broker/passwd).", kind: .path),
        Setting(key: "broker_acl_file", defaultValue: nil, help: "The broker's ACL file that `device add`/`revoke` rewrite (default <home>/broker/acl).", kind: .path),
        Setting(key: "broker_pid_file", defaultValue: nil, help: "The broker's pid file: `device add`/`revoke` send it SIGHUP so it re-reads passwords and ACLs.", kind: .path),
        Setting(key: "ledger_url", defaultValue: "http://127.0.0.1:9332", help: "Ledger node JSON-RPC URL(s), comma-separated; the next is tried when one fails.", kind: .ledgerURLs),
        Setting(key: "ledger_wallet", defaultValue: "vitalgate", help: "Wallet on the ledger node that pays for anchors (created if missing)."),
        Setting(key: "ledger_cookie", defaultValue: nil, help: "The node's .cookie file (preferred), or ledger_user and ledger_password; comma-separated, one per ledger_url, when the nodes differ.", kind: .paths),
        Setting(key: "ledger_user", defaultValue: nil, help: "RPC user (with ledger_password)."),
        Setting(key: "ledger_password", defaultValue: nil, help: "RPC password. Prefer ledger_cookie or ledger_password_file: this file would then hold a secret."),
        Setting(key: "ledger_password_file", defaultValue: nil, help: "File holding the RPC password (first line; mode 0600), instead of ledger_password.", kind: .path),
        Setting(key: "fee_rate", defaultValue: nil, help: "Anchor fee rate in coins per kvB (default: the node's 6-block estimate), held within fee_rate_min...fee_rate_max.", kind: .decimal(0, 0.1)),
        Setting(key: "fee_rate_min", defaultValue: "0.00001", help: "Lowest anchor fee rate in coins per kvB (0.00001 = 1 sat/vB, the default minimum relay fee).", kind: .decimal(0, 0.1)),
        Setting(key: "fee_rate_max", defaultValue: "0.0005", help: "Highest anchor fee rate in coins per kvB (0.0005 = 50 sat/vB): caps the cost when estimates spike.", kind: .decimal(0, 0.1)),
        Setting(key: "checkpoint_interval", defaultValue: "60", help: "Seconds between signed checkpoints (T).", kind: .decimal(0.001, 86_400)),
        Setting(key: "checkpoint_every", defaultValue: "1000", help: "Also sign a checkpoint after this many new readings (N).", kind: .integer(1, 100_000_000)),
        Setting(key: "anchor_interval", defaultValue: "600", help: "Seconds between anchors (A, at least checkpoint_interval).", kind: .decimal(0.001, 7 * 86_400)),
        Setting(key: "confirmations", defaultValue: "6", help: "Blocks on top of an anchor before it counts as confirmed.", kind: .integer(1, 1000)),
        Setting(key: "max_payload_bytes", defaultValue: "4096", help: "Larger MQTT payloads are rejected unread.", kind: .integer(64, 262_144)),
        Setting(key: "max_future_skew", defaultValue: "300", help: "Seconds a reading's ts may lie ahead of the gateway clock.", kind: .integer(0, 315_360_000)),
        Setting(key: "max_past_skew", defaultValue: "604800", help: "Seconds a reading's ts may lie behind the gateway clock.", kind: .integer(0, 315_360_000)),
        Setting(key: "rejections_kept", defaultValue: "100000", help: "Rejected messages kept in the record; older ones are dropped but still counted.", kind: .integer(0, 1_000_000_000)),
        Setting(key: "clinic_url", defaultValue: nil, help: "FHIR R4 base URL of the clinic's record system; delivery is off unless set (docs/fhir.md).", kind: .clinicURL),
        Setting(key: "clinic_token_file", defaultValue: nil, help: "File holding the bearer token for the clinic server (mode 0600).", kind: .path),
        Setting(key: "clinic_ca_file", defaultValue: nil, help: "PEM file of CAs to trust for an https clinic_url instead of the system store.", kind: .path),
        Setting(key: "delivery_batch", defaultValue: "100", help: "Readings per transaction Bundle sent to the clinic.", kind: .integer(1, 1000)),
        Setting(key: "delivery_timeout", defaultValue: "30", help: "Seconds one delivery request may take.", kind: .decimal(0.001, 3600)),
        Setting(key: "delivery_retry_cap", defaultValue: "300", help: "Longest wait, in seconds, between delivery retries (backoff doubles from 1 s).", kind: .decimal(1, 86_400)),
        Setting(key: "metrics_textfile_dir", defaultValue: nil, help: "Folder of node_exporter's textfile collector (Debian: /var/lib/prometheus/node-exporter); the agent writes vitalgate.prom there every metrics_interval seconds (docs/operations.md). Off when unset.", kind: .path),
        Setting(key: "metrics_interval", defaultValue: "5", help: "Seconds between rewrites of the metrics file.", kind: .decimal(1, 300)),
        Setting(key: "clock_sync_required", defaultValue: "true", help: "Warn while the kernel reports the clock unsynchronised (no NTP). Set false only where the clock is kept by other means.", kind: .boolean),
        // Storage (docs/storage.md). A bare number for storage_budget is MiB, as before issue 14.
        Setting(key: "retain_days", defaultValue: "30", help: "Days a reading's payload is kept at least; it is pruned after that once the clinic has it and a confirmed anchor covers it (docs/storage.md).", kind: .decimal(0, 36_500)),
        Setting(key: "storage_budget", defaultValue: "50%", help: "Most the database may use: a share of its filesystem (`50%`), a size (`800M`, `20G`) or MiB (`800`); above 85% delivered, anchored readings are pruned oldest first, and if none may go the agent stops acknowledging. Status and the alert warn at 90%.", kind: .storageBudget),
        Setting(key: "archive_dir", defaultValue: nil, help: "Folder that receives full tiles of the log's hashes (a mounted share, a USB disk, a synced folder); they are dropped here once read back. Without it the hashes of pruned readings stay here (32 bytes each).", kind: .path),
        Setting(key: "commit_window", defaultValue: "0.2", help: "Under steady load, seconds a reading may wait to share a commit (fewer, larger commits write far less to the card); acknowledgements follow each commit.", kind: .decimal(0, 2)),
    ]

    public static func named(_ key: String) -> Setting? { all.first { $0.key == key } }

    /// What a setting's value must be.
    public enum Kind: Sendable, Equatable {
        case text, identifier, port, boolean, path, paths, ledgerURLs, clinicURL
        /// `50%`, `800M`, `20G` or MiB (`StorageSettings.parseBudget`).
        case storageBudget
        case integer(Int64, Int64)
        case decimal(Double, Double)
    }

    /// Why `value` cannot be this setting's value, in words; nil when it can.
    /// Empty values count as unset and are always accepted here.
    public func problem(with value: String) -> String? {
        if value.isEmpty { return nil }
        switch kind {
        case .text:
            return nil
        case .identifier:
            let ok = value.utf8.count <= 64 && value.first.map { $0.isLetter || $0.isNumber } == true
                && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
            return ok ? nil : "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .port:
            guard let n = UInt16(value), n > 0 else { return "must be a port number, 1-65535" }
            return nil
        case .boolean:
            return ["true", "false"].contains(value) ? nil : "must be true or false"
        case .path, .paths:
            let parts = kind == .paths ? value.split(separator: ",").map { $0.trimmingSpaces() } : [value]
            for part in parts where !part.hasPrefix("/") {
                return "must be an absolute path (starting with /), got `\(part)`"
            }
            return nil
        case .ledgerURLs:
            for url in value.split(separator: ",").map({ $0.trimmingSpaces() }) {
                do { _ = try LedgerEndpoint(url: url, auth: .cookieFile("")) } catch { return error.reason }
            }
            return nil
        case .storageBudget:
            do { _ = try StorageSettings.parseBudget(value) } catch { return "must be a share of the filesystem (`50%`), a size (`800M`, `20G`) or MiB (`800`)" }
            return nil
        case .clinicURL:
            return value.hasPrefix("http://") || value.hasPrefix("https://") ? nil : "must start with http:// or https://"
        case .integer(let low, let high):
            guard let n = Int64(value) else { return "must be a whole number, \(low)-\(high)" }
            return (low...high).contains(n) ? nil : "must be within \(low)-\(high)"
        case .decimal(let low, let high):
            guard let n = Double(value), n.isFinite, !value.contains("e"), !value.contains("E") else {
                return "must be a number, \(Self.show(low))-\(Self.show(high))"
            }
            return (low...high).contains(n) ? nil : "must be within \(Self.show(low))-\(Self.show(high))"
        }
    }

    private static func show(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d) }

    /// Where a value came from, for messages that say where to fix it.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case file(path: String, line: Int)
        case defaultValue

        public var description: String {
            switch self {
            case .flag(let name): "flag \(name)"
            case .environment(let name): "environment variable \(name)"
            case .file(let path, let line): "\(path) line \(line)"
            case .defaultValue: "the default"
            }
        }
    }

    /// The flag of `vitalgate run` that sets `key`: `--` and the key with dashes.
    public static func flag(for key: String) -> String { "--" + key.replacingUnderscores() }

    /// Like `resolve`, with where the value came from.
    public static func resolveWithSource(_ key: String, overrides: [String: String] = [:], environment: [String: String],
                                         file: ConfigFile) -> (value: String, source: Source)? {
        guard let setting = named(key) else { preconditionFailure("unknown setting \(key)") }
        if let v = overrides[key] { return (v, .flag(flag(for: key))) }
        if let v = environment[setting.environmentVariable], !v.isEmpty { return (v, .environment(setting.environmentVariable)) }
        if let v = file[key], !v.isEmpty { return (v, .file(path: file.path ?? "vitalgate.conf", line: file.line(of: key) ?? 0)) }
        return setting.defaultValue.map { ($0, .defaultValue) }
    }

    /// Every problem with the settings as resolved: unknown keys in the
    /// file, and values that do not fit their setting, each naming its
    /// source. Settings that depend on each other are checked by `AgentConfig`.
    public static func problems(overrides: [String: String] = [:], environment: [String: String], file: ConfigFile) -> [String] {
        var problems: [String] = []
        for key in file.keys where named(key) == nil {
            let suggestion = all.map(\.key).min { editDistance($0, key) < editDistance($1, key) }
                .flatMap { editDistance($0, key) <= 3 ? " (did you mean \($0)?)" : nil } ?? ""
            problems.append("\(file.path ?? "vitalgate.conf") line \(file.line(of: key) ?? 0): unknown setting `\(key)`\(suggestion)")
        }
        for setting in all {
            guard let (value, source) = resolveWithSource(setting.key, overrides: overrides, environment: environment, file: file),
                  let problem = setting.problem(with: value) else { continue }
            problems.append("\(setting.key) = \(value) (\(source)): \(problem)")
        }
        return problems
    }

    /// Levenshtein distance, for "did you mean".
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

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

extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
