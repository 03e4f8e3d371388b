import CSodium

/// Argon2id cost parameters for `crypto_pwhash`: how many passes over how
/// much memory it takes to turn a passphrase into a key. Stored in each
/// sealed key file, so a file written with higher limits keeps working.
public struct PasswordHashLimits: Sendable, Equatable {
    /// Number of passes (`opslimit`).
    public let opsLimit: UInt64
    /// Memory in bytes (`memlimit`).
    public let memLimit: Int

    /// Limits checked against what libsodium's Argon2id accepts
    /// (`crypto_pwhash_OPSLIMIT_MIN...` and `crypto_pwhash_MEMLIMIT_MIN...`)
    /// and against `PasswordHashLimits.maximumAccepted`; `nil` outside them.
    public init?(opsLimit: UInt64, memLimit: Int) {
        guard opsLimit >= UInt64(crypto_pwhash_opslimit_min()), opsLimit <= Self.maximumAccepted.opsLimit,
              memLimit >= crypto_pwhash_memlimit_min(), memLimit <= Self.maximumAccepted.memLimit
        else { return nil }
        self.opsLimit = opsLimit
        self.memLimit = memLimit
    }

    private init(unchecked opsLimit: UInt64, _ memLimit: Int) {
        self.opsLimit = opsLimit
        self.memLimit = memLimit
    }

    /// `crypto_pwhash_OPSLIMIT_INTERACTIVE` / `MEMLIMIT_INTERACTIVE`: 2
    /// passes over 64 MiB, about 0.1-0.3 s. The default: `MODERATE` (256
    /// MiB) is too much for a 1 GB Raspberry Pi that is also running the
    /// broker and the agent.
    public static let interactive = PasswordHashLimits(
        unchecked: UInt64(crypto_pwhash_opslimit_interactive()), crypto_pwhash_memlimit_interactive())

    /// `crypto_pwhash_OPSLIMIT_MODERATE` / `MEMLIMIT_MODERATE`: 3 passes over 256 MiB.
    public static let moderate = PasswordHashLimits(
        unchecked: UInt64(crypto_pwhash_opslimit_moderate()), crypto_pwhash_memlimit_moderate())

    /// `crypto_pwhash_OPSLIMIT_MIN` / `MEMLIMIT_MIN` (1 pass over 8 KiB).
    /// Offers little protection against guessing: for tests only.
    public static let minimum = PasswordHashLimits(
        unchecked: UInt64(crypto_pwhash_opslimit_min()), crypto_pwhash_memlimit_min())

    /// The most a sealed key file may ask for: 16 passes over 1 GiB
    /// (`MEMLIMIT_SENSITIVE`). The limits are read from the file before its
    /// integrity can be checked, so without a ceiling an altered file could
    /// make the gateway allocate memory it does not have.
    public static let maximumAccepted = PasswordHashLimits(unchecked: 16, crypto_pwhash_memlimit_sensitive())
}
