import CSodium

/// Cryptographically secure random bytes from libsodium (`randombytes_buf`,
/// backed by getrandom(2) on Linux).
public enum SecureRandom {
    /// `n` random bytes. Precondition: `n >= 0`.
    public static func bytes(_ n: Int) -> [UInt8] {
        precondition(n >= 0, "cannot produce \(n) random bytes")
        // randombytes_buf works before sodium_init, but initializing first
        // lets libsodium choose its preferred generator once.
        try? Sodium.initialize()
        return [UInt8](unsafeUninitializedCapacity: n) { buffer, count in
            if n > 0 { randombytes_buf(buffer.baseAddress!, n) }
            count = n
        }
    }
}

/// Overwrites `bytes` with zeros in a way the compiler cannot optimize away
/// (`sodium_memzero`). Use for secrets before they go out of scope.
public func sodiumZero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
    }
}

/// Output buffers for libsodium's opening calls.
enum SodiumOutput {
    /// `count` bytes written by `fill` (a libsodium call returning 0 on
    /// success), or nil, with whatever it wrote wiped, when it fails. `fill`
    /// always gets a valid pointer: libsodium wants one even for 0 bytes.
    static func filled(count: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Int32) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var empty: UInt8 = 0
        let status = withUnsafeMutablePointer(to: &empty) { fallback in
            out.withUnsafeMutableBufferPointer { buffer in fill(buffer.baseAddress ?? fallback) }
        }
        guard status == 0 else {
            sodiumZero(&out)
            return nil
        }
        return out
    }
}
