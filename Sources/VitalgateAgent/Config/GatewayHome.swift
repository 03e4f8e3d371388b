/// The gateway's home folder and what lives in it (docs/home.md):
///
///     vitalgate.conf      settings (commented; no secrets unless ledger_password is used)
///     gateway.key         Ed25519 secret key seed, mode 0600, never printed
///     gateway.pub         public key (hex) and C2SP verifier key
///     vitalgate.sqlite    readings, rejections, Merkle log, checkpoints, anchors (WAL)
public struct GatewayHome: Sendable, Equatable {
    public let path: String

    public init(path: String) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    public var configFile: String { path + "/vitalgate.conf" }
    public var secretKeyFile: String { path + "/gateway.key" }
    public var publicKeyFile: String { path + "/gateway.pub" }
    public var database: String { path + "/vitalgate.sqlite" }

    /// The checkpoint origin (C2SP tlog-checkpoint: a unique name for the log).
    public static func origin(gatewayID: String) -> String { "vitalgate/\(gatewayID)" }
}
