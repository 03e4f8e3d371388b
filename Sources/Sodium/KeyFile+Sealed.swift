import CSodium

/// A signing key sealed with a passphrase, for gateways that may be stolen
/// or have their storage copied: the file alone does not give the key.
///
/// Format, a text file of mode 0600 with two lines:
///
///     vitalgate-sealed-key v1 argon2id opslimit=<n> memlimit=<n> salt=<32 hex> nonce=<48 hex>
///     <96 hex: the 32-byte seed encrypted, then the 16-byte Poly1305 tag>
///
/// The sealing key is `crypto_pwhash` (Argon2id v1.3,
/// `crypto_pwhash_ALG_ARGON2ID13`) of the passphrase with the random 16-byte
/// salt and the stored limits; the seed is sealed with XChaCha20-Poly1305
/// (`crypto_aead_xchacha20poly1305_ietf_encrypt`) under the random 24-byte
/// nonce, with the first line (without its newline) as associated data, so a
/// changed parameter fails like a wrong passphrase.
extension KeyFile {
    /// Seals `key`'s seed with `passphrase` and writes it to `path` (mode
    /// 0600, fsynced; `overwrite` as for `write`). `limits` are recorded in
    /// the file; raise them on hardware that can afford it.
    public static func writeSealed(
        _ key: Ed25519SecretKey, to path: String, passphrase: [UInt8], overwrite: Bool,
        limits: PasswordHashLimits = .interactive
    ) throws(KeyFileError) {
        guard !passphrase.isEmpty else { throw .emptyPassphrase(path: path) }
        let header = SealedKeyHeader(
            limits: limits, salt: SecureRandom.bytes(SealedKeyHeader.saltByteCount),
            nonce: SecureRandom.bytes(SealedKeyHeader.nonceByteCount))
        let associatedData = header.line
        var sealingKey = try derive(passphrase, header, path: path)
        defer { sodiumZero(&sealingKey) }
        let ciphertext = key.withSeed { seed in
            [UInt8](unsafeUninitializedCapacity: seed.count + sealedTagByteCount) { buffer, count in
                var length: UInt64 = 0
                // Encryption cannot fail for a message this short.
                let status = crypto_aead_xchacha20poly1305_ietf_encrypt(
                    buffer.baseAddress!, &length, seed, UInt64(seed.count),
                    associatedData, UInt64(associatedData.count), nil, header.nonce, sealingKey)
                precondition(status == 0, "crypto_aead_xchacha20poly1305_ietf_encrypt failed")
                count = Int(length)
            }
        }
        let newline = UInt8(ascii: "\n")
        try install(associatedData + [newline] + SodiumHex.encode(ciphertext) + [newline], at: path, overwrite: overwrite)
    }

    /// The key sealed in the file at `path`. Throws `.wrongPassphrase` when
    /// the passphrase does not open it (or the file was altered: the two
    /// cannot be told apart), `.malformed` when it is not a sealed key file,
    /// and the same mode errors as `read` for a file others can access.
    public static func readSealed(from path: String, passphrase: [UInt8]) throws(KeyFileError) -> Ed25519SecretKey {
        var content = try readPrivateFile(path, capacity: sealedFileCapacity)
        defer { sodiumZero(&content) }
        guard content.starts(with: SealedKeyHeader.magic) else {
            throw .malformedSealed(path: path, reason: "it is not a sealed key file (no vitalgate-sealed-key header)")
        }
        return try unseal(content[...], passphrase: passphrase, path: path)
    }

    /// Whether the file at `path` is a sealed key file (starts with the
    /// `vitalgate-sealed-key` header) rather than a plain one. Applies the
    /// same mode checks as `read`.
    public static func isSealed(path: String) throws(KeyFileError) -> Bool {
        var start = try readPrivateFile(path, capacity: SealedKeyHeader.magic.count)
        defer { sodiumZero(&start) }
        return start == SealedKeyHeader.magic
    }

    /// Reads either kind of key file. `passphrase` is called only if the file
    /// is sealed; the bytes it returns are wiped after use. The file is read
    /// once, so it cannot change between the check and the read.
    public static func load(from path: String, passphrase: () throws -> [UInt8]) throws -> Ed25519SecretKey {
        var content = try readPrivateFile(path, capacity: sealedFileCapacity)
        defer { sodiumZero(&content) }
        guard content.starts(with: SealedKeyHeader.magic) else {
            return try plainKey(content[...], path: path)
        }
        var secret = try passphrase()
        defer { sodiumZero(&secret) }
        return try unseal(content[...], passphrase: secret, path: path)
    }
}

extension KeyFile {
    /// `crypto_aead_xchacha20poly1305_ietf_ABYTES`.
    static let sealedTagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
    /// More than any valid sealed file (about 260 bytes), to detect trailing content.
    static let sealedFileCapacity = 512

    /// The key in sealed file `content` (which starts with the magic word).
    static func unseal(_ content: ArraySlice<UInt8>, passphrase: [UInt8], path: String) throws(KeyFileError) -> Ed25519SecretKey {
        let newline = UInt8(ascii: "\n")
        guard let end = content.firstIndex(of: newline) else {
            throw .malformedSealed(path: path, reason: "the header line is not followed by a ciphertext line")
        }
        let associatedData = Array(content[..<end])
        let header = try SealedKeyHeader(parsing: content[..<end], path: path)
        var digits = content[(end + 1)...]
        if digits.last == newline { digits = digits.dropLast() }
        let expected = Ed25519SecretKey.seedByteCount + sealedTagByteCount
        guard let ciphertext = SodiumHex.decodeLowercase(digits), ciphertext.count == expected else {
            throw .malformedSealed(path: path, reason: "the second line must be \(2 * expected) lowercase hex digits")
        }
        var sealingKey = try derive(passphrase, header, path: path)
        defer { sodiumZero(&sealingKey) }
        var seed = [UInt8](repeating: 0, count: Ed25519SecretKey.seedByteCount)
        defer { sodiumZero(&seed) }
        var length: UInt64 = 0
        let status = crypto_aead_xchacha20poly1305_ietf_decrypt(
            &seed, &length, nil, ciphertext, UInt64(ciphertext.count),
            associatedData, UInt64(associatedData.count), header.nonce, sealingKey)
        guard status == 0, length == UInt64(seed.count) else { throw .wrongPassphrase(path: path) }
        return try key(seed: seed)
    }

    /// The 32-byte sealing key: Argon2id of `passphrase` with the header's salt
    /// and limits. The caller wipes it.
    static func derive(_ passphrase: [UInt8], _ header: SealedKeyHeader, path: String) throws(KeyFileError) -> [UInt8] {
        do { try Sodium.initialize() } catch { throw .crypto(error) }
        var sealingKey = [UInt8](repeating: 0, count: Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES))
        let status = passphrase.withUnsafeBytes { secret in
            // An empty passphrase has no base address; any valid pointer will do with length 0.
            withUnsafePointer(to: 0 as CChar) { fallback in
                crypto_pwhash(
                    &sealingKey, UInt64(sealingKey.count),
                    secret.baseAddress?.assumingMemoryBound(to: CChar.self) ?? fallback, UInt64(secret.count),
                    header.salt, header.limits.opsLimit, header.limits.memLimit, crypto_pwhash_alg_argon2id13())
            }
        }
        // crypto_pwhash fails only when it cannot allocate memlimit bytes.
        guard status == 0 else {
            sodiumZero(&sealingKey)
            throw .keyDerivationFailed(path: path, memLimit: header.limits.memLimit)
        }
        return sealingKey
    }
}

/// The first line of a sealed key file (see `KeyFile.writeSealed`):
///
///     vitalgate-sealed-key v1 argon2id opslimit=<n> memlimit=<n> salt=<32 hex> nonce=<48 hex>
///
/// The line's bytes, without its newline, are the AEAD associated data, so
/// changing any parameter makes the file fail to open.
struct SealedKeyHeader: Equatable {
    /// The first word, by which `KeyFile.isSealed` recognizes the format.
    static let magic = Array("vitalgate-sealed-key ".utf8)
    static let saltByteCount = Int(crypto_pwhash_SALTBYTES)  // 16
    static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)  // 24

    let limits: PasswordHashLimits
    let salt: [UInt8]
    let nonce: [UInt8]

    /// The header line without its newline.
    var line: [UInt8] {
        Self.magic + Array("v1 argon2id opslimit=\(limits.opsLimit) memlimit=\(limits.memLimit) ".utf8)
            + Array("salt=".utf8) + SodiumHex.encode(salt) + Array(" nonce=".utf8) + SodiumHex.encode(nonce)
    }

    /// Parses exactly the form `line` writes; anything else is `.malformedSealed`.
    init(parsing line: ArraySlice<UInt8>, path: String) throws(KeyFileError) {
        let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard words.count == 7, Array(words[0]) + [UInt8(ascii: " ")] == Self.magic else {
            throw .malformedSealed(path: path, reason: "the first line is not a vitalgate-sealed-key header")
        }
        guard Array(words[1]) == Array("v1".utf8), Array(words[2]) == Array("argon2id".utf8) else {
            throw .malformedSealed(path: path, reason: "unsupported sealed key version or algorithm (this build reads v1 argon2id)")
        }
        let ops = try Self.value(words[3], "opslimit", path).flatMap { UInt64(String(decoding: $0, as: UTF8.self)) }
        let mem = try Self.value(words[4], "memlimit", path).flatMap { Int(String(decoding: $0, as: UTF8.self)) }
        guard let ops, let mem, let limits = PasswordHashLimits(opsLimit: ops, memLimit: mem) else {
            throw .malformedSealed(path: path, reason: "opslimit/memlimit missing or outside what this build accepts "
                + "(at most \(PasswordHashLimits.maximumAccepted.opsLimit) passes over \(PasswordHashLimits.maximumAccepted.memLimit) bytes)")
        }
        guard let salt = try Self.value(words[5], "salt", path).flatMap(SodiumHex.decodeLowercase), salt.count == Self.saltByteCount,
              let nonce = try Self.value(words[6], "nonce", path).flatMap(SodiumHex.decodeLowercase), nonce.count == Self.nonceByteCount
        else {
            throw .malformedSealed(path: path, reason: "salt must be \(2 * Self.saltByteCount) and nonce \(2 * Self.nonceByteCount) lowercase hex digits")
        }
        self.init(limits: limits, salt: salt, nonce: nonce)
    }

    init(limits: PasswordHashLimits, salt: [UInt8], nonce: [UInt8]) {
        self.limits = limits
        self.salt = salt
        self.nonce = nonce
    }

    /// The digits after `name=`, which must be only ASCII digits / hex digits (checked by the caller).
    private static func value(_ word: ArraySlice<UInt8>, _ name: String, _ path: String) throws(KeyFileError) -> ArraySlice<UInt8>? {
        let prefix = Array((name + "=").utf8)
        guard word.starts(with: prefix) else {
            throw .malformedSealed(path: path, reason: "expected \(name)=... in the header")
        }
        let value = word.dropFirst(prefix.count)
        // Decimal fields: digits only, so "+2" or " 2" cannot be a second spelling of the same header.
        if name == "opslimit" || name == "memlimit" {
            guard !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        }
        return value
    }
}

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
