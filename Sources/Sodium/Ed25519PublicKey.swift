import CSodium

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
