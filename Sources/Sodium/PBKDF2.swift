import CSodium

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
