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
        func value(_ key: String) -> String? {
            guard let setting = Setting.named(key) else { preconditionFailure("unknown setting \(key)") }
            if let v = overrides[key] { return v }
            if let v = environment[setting.environmentVariable], !v.isEmpty { return v }
            if let v = file[key], !v.isEmpty { return v }
            return setting.defaultValue
        }
        func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type) throws -> T {
            guard let text = value(key), let n = T(text) else {
                throw Invalid("`\(key)` must be a number, got `\(value(key) ?? "")`")
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
        let auth: LedgerAuth
        if overrides["ledger_user"] == nil, let cookie = value("ledger_cookie") {
            auth = .cookieFile(cookie)
        } else if let user = value("ledger_user"), let password = value("ledger_password") {
            auth = .userPassword(user, password)
        } else {
            throw Invalid("ledger credentials missing: set ledger_cookie, or ledger_user with ledger_password")
        }
        let wallet = value("ledger_wallet")
        ledgerEndpoints = try value("ledger_url")!.split(separator: ",").map {
            try LedgerEndpoint(url: $0.trimmingSpaces(), wallet: wallet, auth: auth)
        }
        if ledgerEndpoints.isEmpty { throw Invalid("ledger_url is empty") }
        feeRate = try value("fee_rate").map { _ in try number("fee_rate", Double.self) }
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
        try validate()
    }

    private func validate() throws {
        guard checkpointInterval > 0 else { throw Invalid("checkpoint_interval must be > 0 seconds") }
        guard checkpointEvery > 0 else { throw Invalid("checkpoint_every must be > 0 readings") }
        guard anchorInterval >= checkpointInterval else {
            throw Invalid("anchor_interval (\(anchorInterval) s) must be at least checkpoint_interval (\(checkpointInterval) s)")
        }
        guard confirmations >= 1 else { throw Invalid("confirmations must be at least 1") }
        guard (64...262_144).contains(maxPayloadBytes) else { throw Invalid("max_payload_bytes must be within 64...262144") }
        guard rejectionsKept >= 0 else { throw Invalid("rejections_kept must be >= 0") }
    }
}
