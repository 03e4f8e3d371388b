import SignedNote
import Sodium

/// The gateway's signing identity: its Ed25519 key and the checkpoint origin.
public final class GatewayIdentity: Sendable {
    public let gatewayID: String
    public let origin: String
    let secretKey: Ed25519SecretKey
    public var publicKey: Ed25519PublicKey { secretKey.publicKey }

    /// Loads the secret key from the home folder. KeyFile refuses a key that
    /// group or others can read, and says so.
    public init(home: GatewayHome, gatewayID: String) throws {
        try Sodium.initialize()
        self.gatewayID = gatewayID
        self.origin = GatewayHome.origin(gatewayID: gatewayID)
        self.secretKey = try KeyFile.read(from: home.secretKeyFile)
    }

    /// Ed25519 (RFC 8032) signature of `bytes` with the gateway key: for
    /// byte strings with a documented layout of their own (docs/fhir.md,
    /// Provenance), never for anything a checkpoint could be confused with.
    public func sign(_ bytes: [UInt8]) -> [UInt8] { secretKey.sign(bytes) }

    /// The C2SP signed note for a checkpoint of the log at `size` with `root`.
    public func signCheckpoint(size: UInt64, root: [UInt8]) -> String {
        let checkpoint = Checkpoint(origin: origin, size: size, rootHash: root)
        let keyID = Ed25519NoteKey.keyID(name: origin, publicKey: publicKey.bytes)
        let note = SignedNote.sign(text: checkpoint.body, name: origin, keyID: keyID) { secretKey.sign($0) }
        return note.serialized
    }
}
