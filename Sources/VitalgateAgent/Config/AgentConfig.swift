import FileIO
import LedgerRPC

/// The agent's resolved settings. Resolution order, highest first: command
/// line flags, `VITALGATE_*` environment variables, the config file, defaults.
public struct AgentConfig: Sendable {
    public var home: GatewayHome
    public var gatewayID: String
    public var mqttHost: String
    public var mqttPort: UInt16
    public var mqttClientID: String
    public var mqttUsername: String?
    public var mqttPasswordFile: String?
    public var passphraseFile: String?
    public var ledgerEndpoints: [LedgerEndpoint]
    public var feeRate: Double?
    public var feeRateMin: Double
    public var feeRateMax: Double
    public var checkpointInterval: Double
    public var checkpointEvery: Int
    public var anchorInterval: Double
    public var confirmations: Int
    public var maxPayloadBytes: Int
    public var maxFutureSkewMillis: Int64
    public var maxPastSkewMillis: Int64
    public var rejectionsKept: Int
    /// Delivery to the clinic; nil when `clinic_url` is not set.
    public var clinic: ClinicSettings?
    /// Retention, storage budget, archive, commit window (docs/storage.md).
    public var storage: StorageSettings
    /// node_exporter's textfile collector folder; nil: no metrics file.
    public var metricsTextfileDir: String?
    public var metricsInterval: Double
    public var clockSyncRequired: Bool
    /// Every setting that has a value, as resolved: what the access trail
    /// records a change of (docs/audit.md).
    public var resolvedSettings: [String: String] = [:]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// - Parameters:
    ///   - overrides: values from command-line flags, by config key.
    ///   - environment: the process environment.
    public init(home: GatewayHome, file: ConfigFile, overrides: [String: String],
                environment: [String: String]) throws {
        self.home = home
        // Unknown keys and values that do not fit, all at once, each with where it came from.
        let problems = Setting.problems(overrides: overrides, environment: environment, file: file)
        guard problems.isEmpty else {
            throw Invalid((problems.count == 1 ? "a setting is wrong: " : "\(problems.count) settings are wrong:\n  ")
                          + problems.joined(separator: "\n  "))
        }
        func value(_ key: String) -> String? {
            Setting.resolve(key, overrides: overrides, environment: environment, file: file)
        }
        func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type) throws -> T {
            guard let text = value(key), let n = T(text) else {
                let source = Setting.resolveWithSource(key, overrides: overrides, environment: environment, file: file)?.source
                throw Invalid("`\(key)` must be a number, got `\(value(key) ?? "")`" + (source.map { " (\($0))" } ?? ""))
            }
            return n
        }
        guard let id = value("gateway_id") else {
            throw Invalid("no gateway_id: run `vitalgate provision --home \(home.path) --gateway-id ID` first")
        }
        gatewayID = id
        mqttHost = value("mqtt_host")!
        mqttPort = try number("mqtt_port", UInt16.self)
        mqttClientID = value("mqtt_client_id") ?? "vitalgate-\(id)"
        mqttUsername = value("mqtt_username")
        mqttPasswordFile = value("mqtt_password_file")
        passphraseFile = value("passphrase_file")
        let urls = value("ledger_url")!.split(separator: ",").map { $0.trimmingSpaces() }
        if urls.isEmpty { throw Invalid("ledger_url is empty") }
        // One cookie for every URL, or one per URL in the same order (each node writes its own).
        let auths: [LedgerAuth]
        if overrides["ledger_user"] == nil, let cookie = value("ledger_cookie") {
            let cookies = cookie.split(separator: ",").map { $0.trimmingSpaces() }
            guard cookies.count == 1 || cookies.count == urls.count else {
                throw Invalid("ledger_cookie names \(cookies.count) files for \(urls.count) ledger URLs: give one, or one per URL")
            }
            auths = urls.indices.map { .cookieFile(cookies[cookies.count == 1 ? 0 : $0]) }
        } else if let user = value("ledger_user"), let password = try value("ledger_password") ?? value("ledger_password_file").map({ file in
            do { return try readSecretLine(file) } catch { throw Invalid("ledger_password_file: \(error)") }
        }) {
            auths = urls.map { _ in .userPassword(user, password) }
        } else {
            throw Invalid("ledger credentials missing: set ledger_cookie, or ledger_user with ledger_password_file (or ledger_password)")
        }
        let wallet = value("ledger_wallet")
        ledgerEndpoints = try urls.indices.map { try LedgerEndpoint(url: urls[$0], wallet: wallet, auth: auths[$0]) }
        feeRate = try value("fee_rate").map { _ in try number("fee_rate", Double.self) }
        feeRateMin = try number("fee_rate_min", Double.self)
        feeRateMax = try number("fee_rate_max", Double.self)
        checkpointInterval = try number("checkpoint_interval", Double.self)
        checkpointEvery = try number("checkpoint_every", Int.self)
        anchorInterval = try number("anchor_interval", Double.self)
        confirmations = try number("confirmations", Int.self)
        maxPayloadBytes = try number("max_payload_bytes", Int.self)
        maxFutureSkewMillis = try number("max_future_skew", Int64.self) * 1000
        maxPastSkewMillis = try number("max_past_skew", Int64.self) * 1000
        rejectionsKept = try number("rejections_kept", Int.self)
        clinic = try value("clinic_url").map { url in
            try ClinicSettings(url: url, tokenFile: value("clinic_token_file"), caFile: value("clinic_ca_file"),
                               batchSize: number("delivery_batch", Int.self), timeout: number("delivery_timeout", Double.self),
                               retryCap: number("delivery_retry_cap", Double.self))
        }
        storage = try StorageSettings(value: value)
        metricsTextfileDir = value("metrics_textfile_dir")
        metricsInterval = try number("metrics_interval", Double.self)
        clockSyncRequired = value("clock_sync_required") != "false"
        for setting in Setting.all { resolvedSettings[setting.key] = value(setting.key) }
        try validate()
    }

    private func validate() throws {
        guard checkpointInterval > 0 else { throw Invalid("checkpoint_interval must be > 0 seconds") }
        guard checkpointEvery > 0 else { throw Invalid("checkpoint_every must be > 0 readings") }
        guard anchorInterval >= checkpointInterval else {
            throw Invalid("anchor_interval (\(anchorInterval) s) must be at least checkpoint_interval (\(checkpointInterval) s)")
        }
        guard feeRateMin >= 0, feeRateMin <= feeRateMax, feeRateMax < 0.1 else {
            throw Invalid("fee rates must satisfy 0 <= fee_rate_min (\(feeRateMin)) <= fee_rate_max (\(feeRateMax)) < 0.1 coins per kvB")
        }
        if let feeRate, !(feeRate >= 0 && feeRate < 0.1) { throw Invalid("fee_rate must be within 0...0.1 coins per kvB") }
        guard confirmations >= 1 else { throw Invalid("confirmations must be at least 1") }
        guard (64...262_144).contains(maxPayloadBytes) else { throw Invalid("max_payload_bytes must be within 64...262144") }
        guard rejectionsKept >= 0 else { throw Invalid("rejections_kept must be >= 0") }
    }
}
