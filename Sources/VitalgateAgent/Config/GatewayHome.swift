import FileIO
import Codecs
import JSON
import SignedNote

/// The gateway's home folder and what lives in it (docs/home.md):
///
///     vitalgate.conf      settings (commented; no secrets unless ledger_password is used)
///     gateway.key         Ed25519 secret key seed, mode 0600, plain or passphrase-sealed, never printed
///     broker/             broker password file, ACL file, the agent's broker password
///     gateway.pub         public key (hex) and C2SP verifier key
///     vitalgate.sqlite    readings, rejections, Merkle log, checkpoints, anchors (WAL)
public struct GatewayHome: Sendable, Equatable {
    public let path: String

    public init(path: String) { self.path = Files.withoutTrailingSlashes(path) }

    public var configFile: String { path + "/vitalgate.conf" }
    public var secretKeyFile: String { path + "/gateway.key" }
    /// The new key while `rotate-key` runs; its presence means a rotation was interrupted.
    public var nextSecretKeyFile: String { path + "/gateway.key.next" }
    /// The broker's credentials and ACLs (docs/home.md): `passwd`, `acl`, `agent.password`.
    public var brokerDirectory: String { path + "/broker" }
    public var publicKeyFile: String { path + "/gateway.pub" }
    public var database: String { path + "/vitalgate.sqlite" }

    /// The checkpoint origin (C2SP tlog-checkpoint: a unique name for the log).
    public static func origin(gatewayID: String) -> String { "vitalgate/\(gatewayID)" }
}

extension GatewayHome {
    /// Writes `gateway.pub`: the raw public key in hex, then its C2SP verifier
    /// key `vitalgate/<id>+<keyid>+<base64>` (what `verify --gateway-key` and
    /// note verifiers take). Replaced atomically.
    public func writePublicKey(_ publicKey: [UInt8], gatewayID: String) throws {
        let vkey = Ed25519NoteKey.verifierKey(name: Self.origin(gatewayID: gatewayID), publicKey: publicKey)
        try Files.replace(Array("\(Hex.encode(publicKey))\n\(vkey)\n".utf8), at: publicKeyFile, mode: 0o644)
    }
}
