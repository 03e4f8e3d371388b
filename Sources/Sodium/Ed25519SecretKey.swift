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

extension Ed25519SecretKey: Redacted {
    public var description: String { "<redacted>" }
    public var debugDescription: String { "Ed25519SecretKey(<redacted>, publicKey: \(String(decoding: SodiumHex.encode(publicKey.bytes), as: UTF8.self)))" }
}

extension Ed25519SecretKey {
    /// `crypto_kdf`'s context for data keys. libsodium contexts are exactly
    /// 8 bytes (`crypto_kdf_CONTEXTBYTES`), hence not "vgdatakey".
    static let dataKeyContext: [CChar] = Array("vgdatkey".utf8).map { CChar(bitPattern: $0) }

    /// Data key number `id`, derived from this key's seed with
    /// `crypto_kdf_derive_from_key` (BLAKE2b keyed with the seed, `id` and the
    /// context "vgdatkey" as salt and personalization), so the gateway needs
    /// no second secret file. The same seed and `id` always give the same
    /// key; knowing a data key reveals nothing about the seed or other ids.
    /// Ed25519 hashes the seed with SHA-512 and this with keyed BLAKE2b, so
    /// the two uses of the seed do not interact.
    public func deriveDataKey(id: UInt64) -> DataKey {
        withSeed { seed in
            DataKey { target in
                let status = crypto_kdf_derive_from_key(target, DataKey.byteCount, id, Self.dataKeyContext, seed)
                // Fails only for subkey lengths outside 16...64 bytes.
                precondition(status == 0, "crypto_kdf_derive_from_key failed")
            }
        }
    }
}

extension Ed25519SecretKey {
    /// `crypto_kdf`'s context for sealed-box seeds: not "vgdatkey", so a box
    /// seed can never equal a data key of the same number.
    static let sealedBoxContext: [CChar] = Array("vgboxkey".utf8).map { CChar(bitPattern: $0) }

    /// Sealed-box key pair number `id`: its 32-byte seed is derived from this
    /// key's seed with `crypto_kdf_derive_from_key` (context "vgboxkey"),
    /// then `crypto_box_seed_keypair`. Deterministic, like `deriveDataKey`,
    /// so the gateway needs no second secret file; and a key pair of its own
    /// rather than the Ed25519 key converted to X25519, so signing and
    /// sealing never share a key.
    public func deriveSealedBoxKeyPair(id: UInt64) -> SealedBoxKeyPair {
        withSeed { seed in
            var boxSeed = [UInt8](repeating: 0, count: SealedBoxKeyPair.seedByteCount)
            defer { sodiumZero(&boxSeed) }
            let status = crypto_kdf_derive_from_key(&boxSeed, boxSeed.count, id, Self.sealedBoxContext, seed)
            // Fails only for subkey lengths outside 16...64 bytes.
            precondition(status == 0, "crypto_kdf_derive_from_key failed")
            // A 32-byte seed is all crypto_box_seed_keypair checks.
            guard let pair = try? SealedBoxKeyPair(seed: boxSeed) else { fatalError("crypto_box_seed_keypair failed") }
            return pair
        }
    }
}

/// An Ed25519 public key (RFC 8032 section 5.1.5): 32 bytes.
public struct Ed25519PublicKey: Sendable, Equatable, Hashable {
    /// The key length, `crypto_sign_PUBLICKEYBYTES`.
    public static let byteCount = 32
    /// The signature length, `crypto_sign_BYTES`.
    public static let signatureByteCount = 64

    /// The 32 encoded key bytes.
    public let bytes: [UInt8]

    /// A key from its 32-byte encoding; `nil` for any other length. (Whether
    /// the bytes encode a curve point is checked when verifying.)
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// True only if `signature` is a valid Ed25519 signature of `message`
    /// under this key (`crypto_sign_verify_detached`, which also rejects
    /// non-canonical and small-order encodings). A signature that is not 64
    /// bytes is simply invalid.
    public func isValidSignature(_ signature: [UInt8], for message: some Collection<UInt8>) -> Bool {
        guard signature.count == Self.signatureByteCount else { return false }
        try? Sodium.initialize()
        let contiguous = message.withContiguousStorageIfAvailable { verify(signature, $0) }
        return contiguous ?? Array(message).withUnsafeBufferPointer { verify(signature, $0) }
    }

    private func verify(_ signature: [UInt8], _ message: UnsafeBufferPointer<UInt8>) -> Bool {
        // An empty buffer may have no base address; libsodium is given a
        // valid pointer anyway, with length 0.
        var empty: UInt8 = 0
        return withUnsafePointer(to: &empty) { fallback in
            crypto_sign_verify_detached(signature, message.baseAddress ?? fallback, UInt64(message.count), bytes) == 0
        }
    }
}
