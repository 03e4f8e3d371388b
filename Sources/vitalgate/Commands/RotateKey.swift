#if canImport(Glibc)
import FileIO
import Codecs
import Glibc
#endif
import ArgumentParser
import JSON
import SignedNote
import Sodium
import VitalgateAgent

struct RotateKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Replace the gateway's signing key; the old key signs a statement naming the new one.",
        discussion: """
        The agent must be stopped (rotate-key takes its lock); start it again afterwards and it signs \
        with the new key. The statement becomes a leaf of the log, so the next checkpoint and anchor \
        cover it, and every proof bundle carries the chain of statements: bundles signed before and \
        after the rotation verify against the provisioned key (docs/security.md). Stored readings are \
        re-sealed under the new key. A sealed key stays sealed with the same passphrase.
        """)

    @OptionGroup var home: HomeOptions
    @OptionGroup var key: KeyOptions

    func run() throws {
        let gatewayHome = home.gatewayHome
        let lock = try AgentLock(home: gatewayHome, purpose: "rotate-key")
        defer { withExtendedLifetime(lock) {} }
        try Sodium.initialize()
        let passphraseFile = try key.resolved(gatewayHome)
        // Kept to seal the new key the same way; wiped on return.
        var passphrase: [UInt8]? = nil
        defer { if passphrase != nil { sodiumZero(&passphrase!) } }
        let old = try KeyFile.load(from: gatewayHome.secretKeyFile) {
            passphrase = try GatewayIdentity.passphrase(for: gatewayHome.secretKeyFile, file: passphraseFile)
            return passphrase!
        }
        let db = try GatewayDatabase.open(gatewayHome)
        guard let gatewayID = try db.meta("gateway_id") else { throw CLIError("no gateway_id in the database: provision first") }
        let next = gatewayHome.nextSecretKeyFile

        let new: Ed25519SecretKey
        if Files.exists(next) {
            // An earlier run stopped half-way. If its transaction committed, the database
            // already names the next key: finish by installing it. Otherwise start over.
            let pending = try KeyFile.load(from: next) { passphrase ?? [] }
            if try db.meta("public_key") == Hex.encode(pending.publicKey.bytes) {
                try install(next, gatewayHome, pending, gatewayID)
                Console.out("finished an interrupted rotation: the gateway key is now \(Hex.encode(pending.publicKey.bytes))")
                return
            }
            unlink(next)
        }
        // References an earlier release left in the clear are sealed first, the
        // old text zeroed (PatientSealing.setUp); the rotation then re-seals them all.
        try PatientSealing.setUp(db, cipher: PatientCipher(gatewayKey: old))
        new = try Ed25519SecretKey.generate()
        if let passphrase {
            try KeyFile.writeSealed(new, to: next, passphrase: passphrase, overwrite: false)
        } else {
            try KeyFile.write(new, to: next, overwrite: false)
        }
        let rotation = try GatewayKeyRotation.commit(db: db, gatewayID: gatewayID, old: old, new: new, at: WallClock.nowMillis())
        try install(next, gatewayHome, new, gatewayID)
        Console.out("rotated gateway \(gatewayID) key (rotation \(rotation.seq))")
        Console.out("  old public key  \(Hex.encode(rotation.oldKey))")
        Console.out("  new public key  \(Hex.encode(rotation.newKey))")
        Console.out("  verifier key    \(Ed25519NoteKey.verifierKey(name: GatewayHome.origin(gatewayID: gatewayID), publicKey: rotation.newKey))")
        Console.out("Start the agent again: its next checkpoint covers the rotation statement.")
    }

    /// Renames the new key over the old (atomic) and rewrites gateway.pub.
    func install(_ next: String, _ home: GatewayHome, _ key: Ed25519SecretKey, _ gatewayID: String) throws {
        guard rename(next, home.secretKeyFile) == 0 else {
            throw CLIError("cannot rename \(next) to \(home.secretKeyFile): \(String(cString: strerror(errno))); run rotate-key again")
        }
        // The rename is the rotation's commit point: make it durable before anything depends on it.
        try Files.syncDirectory(containing: home.secretKeyFile)
        try home.writePublicKey(key.publicKey.bytes, gatewayID: gatewayID)
    }
}
