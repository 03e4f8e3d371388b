import CSodium

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
