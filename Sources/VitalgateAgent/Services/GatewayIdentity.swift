import FileIO
import SignedNote
import Sodium

/// The gateway's signing identity: its Ed25519 key and the checkpoint origin.
public final class GatewayIdentity: Sendable {
    public let gatewayID: String
    public let origin: String
    let secretKey: Ed25519SecretKey
    public var publicKey: Ed25519PublicKey { secretKey.publicKey }
    /// Seals and opens reading leaves at rest (derived from the secret key).
    public let leafCipher: LeafCipher
    /// Opens patient references at rest (the delivery thread's).
    public let patientCipher: PatientCipher

    /// Loads the secret key from the home folder (see `loadSecretKey`).
    public init(home: GatewayHome, gatewayID: String, passphraseFile: String?) throws {
        try Sodium.initialize()
        self.gatewayID = gatewayID
        self.origin = GatewayHome.origin(gatewayID: gatewayID)
        self.secretKey = try Self.loadSecretKey(home: home, passphraseFile: passphraseFile)
        self.leafCipher = LeafCipher(gatewayKey: secretKey)
        self.patientCipher = PatientCipher(gatewayKey: secretKey)
    }

    /// The gateway's secret key, plain or sealed (KeyFile.load). A sealed
    /// key's passphrase comes from `passphraseFile` (refused if group or
    /// others can read it), else from a prompt on the terminal; its bytes are
    /// wiped after use. KeyFile refuses a key file group or others can read,
    /// and says how to fix it. Refuses to start half-way through a rotation.
    public static func loadSecretKey(home: GatewayHome, passphraseFile: String?) throws -> Ed25519SecretKey {
        if Files.exists(home.nextSecretKeyFile) {
            throw StoreError("\(home.nextSecretKeyFile) exists: a key rotation was interrupted; "
                + "run `vitalgate rotate-key --home \(home.path)` again to finish it (docs/security.md)")
        }
        return try KeyFile.load(from: home.secretKeyFile) {
            try passphrase(for: home.secretKeyFile, file: passphraseFile)
        }
    }

    /// The passphrase of the sealed key at `keyPath`; the caller wipes it.
    public static func passphrase(for keyPath: String, file: String?) throws -> [UInt8] {
        if let file { return try PassphraseSource.readFile(file) }
        return try PassphraseSource.prompt("Passphrase for \(keyPath): ")
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
