import CSodium

/// An Ed25519 signing key, held in libsodium's 64-byte form (seed || public
/// key) in memory this object owns: locked against swapping where the OS
/// allows (`sodium_mlock`, best effort) and wiped (`sodium_memzero`) when the
/// object is released. It never prints its contents.
public final class Ed25519SecretKey: @unchecked Sendable {
    // @unchecked: `secret` is written only in init and deinit; every other
    // access is a read, so sharing across threads is safe.
    private let secret: UnsafeMutablePointer<UInt8>
    private static let secretByteCount = 64  // crypto_sign_SECRETKEYBYTES
    /// The seed length, `crypto_sign_SEEDBYTES` (RFC 8032's 32-byte private key).
    public static let seedByteCount = 32

    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    private init(filling fill: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Int32) throws(SodiumError) {
        try Sodium.initialize()
        let secret = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.secretByteCount)
        _ = sodium_mlock(secret, Self.secretByteCount)  // best effort: RLIMIT_MEMLOCK may forbid it
        var publicBytes = [UInt8](repeating: 0, count: Ed25519PublicKey.byteCount)
        let status = publicBytes.withUnsafeMutableBufferPointer { fill($0.baseAddress!, secret) }
        guard status == 0 else {
            Self.release(secret)
            throw .callFailed("crypto_sign_(seed_)keypair")
        }
        self.secret = secret
        publicKey = Ed25519PublicKey(bytes: publicBytes)!
    }

    /// A fresh random key (`crypto_sign_keypair`).
    public static func generate() throws -> Ed25519SecretKey {
        try Ed25519SecretKey { publicKey, secret in crypto_sign_keypair(publicKey, secret) }
    }

    /// The key derived from a 32-byte seed (RFC 8032 section 5.1.5;
    /// `crypto_sign_seed_keypair`). The caller should wipe `seed` afterwards.
    public convenience init(seed: [UInt8]) throws {
        guard seed.count == Self.seedByteCount else { throw SodiumError.wrongSeedLength(got: seed.count) }
        try self.init { publicKey, secret in crypto_sign_seed_keypair(publicKey, secret, seed) }
    }

    deinit {
        Self.release(secret)
    }

    private static func release(_ secret: UnsafeMutablePointer<UInt8>) {
        sodium_memzero(secret, secretByteCount)
        _ = sodium_munlock(secret, secretByteCount)
        secret.deallocate()
    }

    /// The 64-byte detached signature of `message` (`crypto_sign_detached`).
    /// Ed25519 signing is deterministic: the same key and message give the same bytes.
    public func sign(_ message: some Collection<UInt8>) -> [UInt8] {
        if let signature = message.withContiguousStorageIfAvailable({ sign(buffer: $0) }) {
            return signature
        }
        return Array(message).withUnsafeBufferPointer { sign(buffer: $0) }
    }

    private func sign(buffer message: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var empty: UInt8 = 0
        return withUnsafePointer(to: &empty) { fallback in
            [UInt8](unsafeUninitializedCapacity: Ed25519PublicKey.signatureByteCount) { signature, count in
                // crypto_sign_detached only fails for messages too long to address.
                let status = crypto_sign_detached(
                    signature.baseAddress!, nil, message.baseAddress ?? fallback, UInt64(message.count), secret)
                precondition(status == 0, "crypto_sign_detached failed")
                count = Ed25519PublicKey.signatureByteCount
            }
        }
    }

    /// Calls `body` with the 32-byte seed (the first half of libsodium's
    /// secret key), then wipes the copy. For writing the key file; `body`
    /// must not keep the array or copies of it.
    public func withSeed<R>(_ body: ([UInt8]) throws -> R) rethrows -> R {
        var seed = Array(UnsafeBufferPointer(start: secret, count: Self.seedByteCount))
        defer { sodiumZero(&seed) }
        return try body(seed)
    }
}

extension Ed25519SecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<redacted>" }
    public var debugDescription: String { "Ed25519SecretKey(<redacted>, publicKey: \(String(decoding: SodiumHex.encode(publicKey.bytes), as: UTF8.self)))" }
    /// `dump()` and debuggers see no children, so the secret cannot leak through reflection.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
