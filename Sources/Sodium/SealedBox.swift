import CSodium

/// The public half of an X25519 key pair for libsodium sealed boxes
/// (`crypto_box_seal`): anyone holding it can seal, only the key pair opens.
///
/// Sealed form (libsodium's): a fresh ephemeral X25519 public key (32 bytes),
/// then the XSalsa20-Poly1305 ciphertext and its 16-byte tag, 48 bytes more
/// than the message. There is no associated data: bind what the message
/// belongs to inside the message itself.
public struct SealedBoxPublicKey: Sendable, Equatable, Hashable {
    /// `crypto_box_PUBLICKEYBYTES`.
    public static let byteCount = Int(crypto_box_PUBLICKEYBYTES)
    /// `crypto_box_SEALBYTES`, what sealing adds to a message, from its
    /// function: the macro is an expression, which Swift does not import.
    public static let overheadByteCount = crypto_box_sealbytes()

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// The key with these 32 bytes; `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// `message` sealed to this key (`crypto_box_seal`): randomized, so
    /// sealing the same message twice gives different bytes.
    public func seal(_ message: [UInt8]) -> [UInt8] {
        precondition((try? Sodium.initialize()) != nil, "libsodium could not be initialized")
        return [UInt8](unsafeUninitializedCapacity: message.count + Self.overheadByteCount) { out, count in
            // An empty message may have no base address; pass a valid pointer with length 0.
            let status = withUnsafePointer(to: 0 as UInt8) { fallback in
                message.withUnsafeBufferPointer { m in
                    crypto_box_seal(out.baseAddress!, m.baseAddress ?? fallback, UInt64(m.count), bytes)
                }
            }
            // Fails only when the public key is not a usable curve point (a small-order
            // point), which a key from `crypto_box_seed_keypair` never is.
            precondition(status == 0, "crypto_box_seal failed")
            count = message.count + Self.overheadByteCount
        }
    }
}

/// An X25519 key pair for sealed boxes, its secret half in memory from
/// `sodium_malloc` that `sodium_free` wipes when the object is released. It
/// never prints.
public final class SealedBoxKeyPair: @unchecked Sendable {
    // @unchecked: `secret` is written only while initializing; opening only reads it.
    private let secret: UnsafeMutablePointer<UInt8>
    /// `crypto_box_SECRETKEYBYTES`.
    static let secretByteCount = Int(crypto_box_SECRETKEYBYTES)
    /// `crypto_box_SEEDBYTES`.
    public static let seedByteCount = Int(crypto_box_SEEDBYTES)

    public let publicKey: SealedBoxPublicKey

    /// The key pair of a 32-byte seed (`crypto_box_seed_keypair`): the same
    /// seed always gives the same pair. The caller wipes `seed` afterwards.
    public init(seed: [UInt8]) throws(SodiumError) {
        guard seed.count == Self.seedByteCount else { throw .wrongSeedLength(got: seed.count) }
        try Sodium.initialize()
        guard let memory = sodium_malloc(Self.secretByteCount) else { fatalError("sodium_malloc(\(Self.secretByteCount)) failed: out of memory") }
        let secret = memory.bindMemory(to: UInt8.self, capacity: Self.secretByteCount)
        var publicBytes = [UInt8](repeating: 0, count: SealedBoxPublicKey.byteCount)
        guard crypto_box_seed_keypair(&publicBytes, secret, seed) == 0 else {
            sodium_free(secret)
            throw .callFailed("crypto_box_seed_keypair")
        }
        self.secret = secret
        publicKey = SealedBoxPublicKey(bytes: publicBytes)!
    }

    deinit {
        sodium_free(secret)  // wipes, unlocks and unmaps
    }

    /// The message of `sealed` (as made by `SealedBoxPublicKey.seal` with
    /// this pair's public key). Throws if any byte was changed, or it was
    /// sealed to another key.
    public func open(_ sealed: [UInt8]) throws(SealedBoxError) -> [UInt8] {
        guard sealed.count >= SealedBoxPublicKey.overheadByteCount else { throw .truncated(count: sealed.count) }
        let opened = SodiumOutput.filled(count: sealed.count - SealedBoxPublicKey.overheadByteCount) { out in
            crypto_box_seal_open(out, sealed, UInt64(sealed.count), publicKey.bytes, secret)
        }
        guard let opened else { throw .authenticationFailed }
        return opened
    }
}

extension SealedBoxKeyPair: Redacted {
    public var debugDescription: String { "SealedBoxKeyPair(<redacted>, publicKey: \(String(decoding: SodiumHex.encode(publicKey.bytes), as: UTF8.self)))" }
}

/// Why a sealed box could not be opened.
public enum SealedBoxError: Error, Equatable, CustomStringConvertible {
    /// Shorter than the 48 bytes sealing adds: not a sealed box.
    case truncated(count: Int)
    /// The tag does not match: the bytes were changed, or sealed to another key.
    case authenticationFailed

    public var description: String {
        switch self {
        case let .truncated(count):
            "a sealed box of \(count) bytes is too short (at least \(SealedBoxPublicKey.overheadByteCount)); it was truncated or is not a sealed box"
        case .authenticationFailed:
            "the sealed box failed authentication: it was altered, or sealed to another key"
        }
    }
}
