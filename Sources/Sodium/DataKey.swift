import CSodium

/// A 32-byte XChaCha20-Poly1305 key for vitals at rest, held in memory from
/// `sodium_malloc` (guard pages, `mlock`ed where the OS allows) that
/// `sodium_free` wipes when the object is released. It never prints.
///
/// Sealed form: the random 24-byte nonce, then the ciphertext and its
/// 16-byte tag (`crypto_aead_xchacha20poly1305_ietf_encrypt`). XChaCha's
/// 192-bit nonces are safe to choose at random for any practical number of
/// messages under one key.
public final class DataKey: @unchecked Sendable {
    // @unchecked: `key` is written only while initializing and read
    // afterwards; libsodium's AEAD calls only read it.
    private let key: UnsafeMutablePointer<UInt8>
    /// `crypto_aead_xchacha20poly1305_ietf_KEYBYTES`.
    public static let byteCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    /// `crypto_aead_xchacha20poly1305_ietf_NPUBBYTES`.
    public static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    /// `crypto_aead_xchacha20poly1305_ietf_ABYTES`.
    public static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Allocates the key's memory and lets `fill` write the 32 bytes.
    init(filling fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        // sodium_malloc needs sodium_init (it reads the page size found there).
        precondition((try? Sodium.initialize()) != nil, "libsodium could not be initialized")
        guard let memory = sodium_malloc(Self.byteCount) else { fatalError("sodium_malloc(\(Self.byteCount)) failed: out of memory") }
        key = memory.bindMemory(to: UInt8.self, capacity: Self.byteCount)
        fill(key)
    }

    deinit {
        sodium_free(key)  // wipes, unlocks and unmaps
    }

    /// A fresh random key (`crypto_aead_xchacha20poly1305_ietf_keygen`).
    public static func generate() -> DataKey {
        DataKey { crypto_aead_xchacha20poly1305_ietf_keygen($0) }
    }

    /// The key with these 32 bytes. The caller wipes its copy (`sodiumZero`).
    public convenience init(bytes: [UInt8]) throws(DataKeyError) {
        guard bytes.count == Self.byteCount else { throw .wrongKeyLength(got: bytes.count) }
        self.init { target in bytes.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: Self.byteCount) } }
    }

    /// Calls `body` with a copy of the key bytes, wiped afterwards; `body`
    /// must not keep it. For handing the key to another library.
    public func withBytes<R>(_ body: ([UInt8]) throws -> R) rethrows -> R {
        var copy = Array(UnsafeBufferPointer(start: key, count: Self.byteCount))
        defer { sodiumZero(&copy) }
        return try body(copy)
    }

    /// Encrypts and authenticates `plaintext`, and authenticates
    /// `associatedData` (which is not stored: `open` needs the same bytes;
    /// bind the record's identity here so sealed values cannot be swapped).
    /// Returns nonce (24 bytes) || ciphertext || tag (16 bytes).
    /// The nonce comes from `nonces` when given (batched system calls, see
    /// `RandomPool`), otherwise from its own `randombytes_buf` call.
    public func seal(_ plaintext: some Collection<UInt8>, associatedData: [UInt8], nonces: RandomPool? = nil) -> [UInt8] {
        if let sealed = plaintext.withContiguousStorageIfAvailable({ seal(buffer: $0, associatedData, nonces) }) {
            return sealed
        }
        var copy = Array(plaintext)
        defer { sodiumZero(&copy) }
        return copy.withUnsafeBufferPointer { seal(buffer: $0, associatedData, nonces) }
    }

    private func seal(buffer message: UnsafeBufferPointer<UInt8>, _ associatedData: [UInt8], _ nonces: RandomPool?) -> [UInt8] {
        let total = Self.nonceByteCount + message.count + Self.tagByteCount
        return [UInt8](unsafeUninitializedCapacity: total) { out, count in
            let nonce = out.baseAddress!
            if let nonces { nonces.take(into: nonce, count: Self.nonceByteCount) } else { randombytes_buf(nonce, Self.nonceByteCount) }
            var length: UInt64 = 0
            // An empty message may have no base address; pass a valid pointer with length 0.
            let status = withUnsafePointer(to: 0 as UInt8) { fallback in
                crypto_aead_xchacha20poly1305_ietf_encrypt(
                    nonce + Self.nonceByteCount, &length, message.baseAddress ?? fallback, UInt64(message.count),
                    associatedData, UInt64(associatedData.count), nil, nonce, key)
            }
            // Encryption fails only for messages longer than libsodium can address.
            precondition(status == 0, "crypto_aead_xchacha20poly1305_ietf_encrypt failed")
            count = total
        }
    }

    /// The plaintext of `sealed` (as made by `seal`). Throws
    /// `.authenticationFailed` if any byte of it or of `associatedData`
    /// differs from what was sealed, or the key is another one.
    public func open(_ sealed: [UInt8], associatedData: [UInt8]) throws(DataKeyError) -> [UInt8] {
        guard sealed.count >= Self.nonceByteCount + Self.tagByteCount else { throw .truncated(count: sealed.count) }
        let plaintextCount = sealed.count - Self.nonceByteCount - Self.tagByteCount
        let opened = SodiumOutput.filled(count: plaintextCount) { out in
            sealed.withUnsafeBufferPointer { input in
                var length: UInt64 = 0
                return crypto_aead_xchacha20poly1305_ietf_decrypt(
                    out, &length, nil,
                    input.baseAddress! + Self.nonceByteCount, UInt64(sealed.count - Self.nonceByteCount),
                    associatedData, UInt64(associatedData.count), input.baseAddress!, key)
            }
        }
        guard let opened else { throw .authenticationFailed }
        return opened
    }
}

extension DataKey: Redacted {}

/// Why a data key could not be made or a sealed value opened.
public enum DataKeyError: Error, Equatable, CustomStringConvertible {
    /// `DataKey(bytes:)` was not given exactly 32 bytes.
    case wrongKeyLength(got: Int)
    /// Shorter than a nonce and a tag (40 bytes): not something `seal` made.
    case truncated(count: Int)
    /// The tag does not match: the sealed bytes or the associated data were
    /// changed, or this is not the key they were sealed with.
    case authenticationFailed

    public var description: String {
        switch self {
        case let .wrongKeyLength(got):
            "a data key is \(DataKey.byteCount) bytes, got \(got)"
        case let .truncated(count):
            "sealed data of \(count) bytes is too short (at least \(DataKey.nonceByteCount + DataKey.tagByteCount)); it was truncated or is not sealed data"
        case .authenticationFailed:
            "sealed data failed authentication: it was altered, belongs to another record, or was sealed with another key"
        }
    }
}
