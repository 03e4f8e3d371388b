import CSodium

/// Lines of a mosquitto 2.0 `password_file`, as `mosquitto_passwd` writes them:
///
///     username:$7$<iterations>$<base64 salt>$<base64 hash>
///
/// `$7$` is PBKDF2-HMAC-SHA-512 (mosquitto's `pw_sha512_pbkdf2`): a 12-byte
/// random salt, 101 iterations by default (`PW_DEFAULT_ITERATIONS`), a
/// 64-byte hash, both in standard padded Base64 (mosquitto's
/// `pw__encode_sha512_pbkdf2` / `pw__decode_sha512_pbkdf2`). `verify` also
/// accepts the older `$6$<salt>$<hash>`, salted SHA-512 of password || salt.
public enum MosquittoPassword {
    /// The salt length mosquitto 2.0's broker accepts when decoding a `$7$` entry.
    public static let saltByteCount = 12
    static let hashByteCount = 64

    /// The password-file line for `username` and `password`, without a
    /// newline. Preconditions: `username` is non-empty and contains no `:`
    /// or line break (mosquitto splits the line at the first `:`); `salt`,
    /// if given, is 12 bytes (a fresh random one otherwise); `iterations >= 1`.
    public static func hashLine(username: String, password: String, salt: [UInt8]? = nil, iterations: Int = 101) -> String {
        precondition(!username.isEmpty && !username.contains(where: { ":\n\r".contains($0) }),
                     "a mosquitto username must be non-empty and contain no ':' or line break")
        precondition(iterations >= 1, "PBKDF2 needs at least one iteration")
        let salt = salt ?? SecureRandom.bytes(saltByteCount)
        precondition(salt.count == saltByteCount, "mosquitto 2.0 accepts only \(saltByteCount)-byte salts")
        var secret = Array(password.utf8)
        defer { sodiumZero(&secret) }
        let hash = PBKDF2.hmacSHA512(password: secret, salt: salt, iterations: iterations, keyLength: hashByteCount)
        return "\(username):$7$\(iterations)$\(SodiumBase64.encode(salt))$\(SodiumBase64.encode(hash))"
    }

    /// True when `line` (one password-file line; a trailing newline is
    /// ignored) is a well-formed `$7$` or `$6$` entry whose hash matches
    /// `password`. Malformed lines are simply false. The comparison is
    /// constant-time (`sodium_memcmp`).
    public static func verify(line: String, password: String) -> Bool {
        var entry = Substring(line)
        if entry.hasSuffix("\n") { entry = entry.dropLast() }
        guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else { return false }
        let fields = entry[entry.index(after: colon)...].split(separator: "$", omittingEmptySubsequences: false)
        var secret = Array(password.utf8)
        defer { sodiumZero(&secret) }
        // "$7$101$salt$hash" splits into "", "7", "101", "salt", "hash".
        guard fields.first == "" else { return false }
        switch fields.count {
        case 5 where fields[1] == "7":
            guard let iterations = Int(fields[2]), iterations >= 1, iterations <= 10_000_000,
                  let salt = SodiumBase64.decode(fields[3]), !salt.isEmpty,
                  let expected = SodiumBase64.decode(fields[4]), expected.count == hashByteCount
            else { return false }
            let actual = PBKDF2.hmacSHA512(password: secret, salt: salt, iterations: iterations, keyLength: hashByteCount)
            return sodium_memcmp(actual, expected, hashByteCount) == 0
        case 4 where fields[1] == "6":
            guard let salt = SodiumBase64.decode(fields[2]), !salt.isEmpty,
                  let expected = SodiumBase64.decode(fields[3]), expected.count == hashByteCount
            else { return false }
            var actual = [UInt8](repeating: 0, count: hashByteCount)
            var message = secret + salt
            defer { sodiumZero(&message) }
            crypto_hash_sha512(&actual, message, UInt64(message.count))
            return sodium_memcmp(actual, expected, hashByteCount) == 0
        default:
            return false
        }
    }
}

/// Passwords the gateway issues to devices for its MQTT broker.
public enum DevicePassword {
    /// 18 random bytes (144 bits) as 24 characters of unpadded URL-safe
    /// Base64 (RFC 4648 section 5): safe in URLs, shell arguments and
    /// mosquitto's password file, and no padding to mistype.
    public static func generate() -> String {
        var random = SecureRandom.bytes(18)
        defer { sodiumZero(&random) }
        return SodiumBase64.encode(random, .urlSafeUnpadded)
    }
}

/// PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA-512 as the pseudorandom
/// function, over libsodium's `crypto_auth_hmacsha512_*`. Used for
/// mosquitto's `$7$` password hashes; for new secrets prefer Argon2id.
public enum PBKDF2 {
    /// `keyLength` bytes derived from `password` and `salt` with `iterations`
    /// rounds. Preconditions: `iterations >= 1`, `keyLength >= 1`.
    public static func hmacSHA512(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int) -> [UInt8] {
        precondition(iterations >= 1, "PBKDF2 needs at least one iteration")
        precondition(keyLength >= 1, "PBKDF2 derives at least one byte")
        try? Sodium.initialize()
        // HMAC's key schedule depends only on the password, so it is done once
        // and the keyed state copied for each of the many HMAC calls.
        var keyed = crypto_auth_hmacsha512_state()
        crypto_auth_hmacsha512_init(&keyed, password, password.count)
        defer { wipe(&keyed) }

        var output: [UInt8] = []
        output.reserveCapacity(keyLength + hLen)
        // Two buffers swapped rather than one overwritten in place: passing
        // `u` both as input and output would copy it (copy-on-write) and free
        // the old storage unwiped.
        var u = [UInt8](repeating: 0, count: hLen), next = u, t = u
        defer { sodiumZero(&u); sodiumZero(&next); sodiumZero(&t) }
        var block: UInt32 = 1
        while output.count < keyLength {
            // RFC 8018 5.2 step 3: U_1 = PRF(P, S || INT(i)), INT big-endian 32-bit;
            // U_j = PRF(P, U_{j-1}); T_i = U_1 xor ... xor U_c.
            let index = [UInt8(block >> 24), UInt8(truncatingIfNeeded: block >> 16),
                         UInt8(truncatingIfNeeded: block >> 8), UInt8(truncatingIfNeeded: block)]
            mac(keyed, salt + index, into: &u)
            for k in 0..<hLen { t[k] = u[k] }
            for _ in 1..<iterations {
                mac(keyed, u, into: &next)
                swap(&u, &next)
                for k in 0..<hLen { t[k] ^= u[k] }
            }
            output += t
            block += 1
        }
        // Step 4: the first keyLength bytes of T_1 || T_2 || ...
        let extra = output.count - keyLength
        output.withUnsafeMutableBytes { sodium_memzero($0.baseAddress! + keyLength, extra) }
        output.removeLast(extra)
        return output
    }

    /// HMAC-SHA-512 output length (`crypto_auth_hmacsha512_BYTES`).
    private static let hLen = 64

    private static func mac(_ keyed: crypto_auth_hmacsha512_state, _ message: [UInt8], into out: inout [UInt8]) {
        var state = keyed
        crypto_auth_hmacsha512_update(&state, message, UInt64(message.count))
        crypto_auth_hmacsha512_final(&state, &out)
        wipe(&state)
    }

    private static func wipe(_ state: inout crypto_auth_hmacsha512_state) {
        withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) }
    }
}
