import CSodium

/// libsodium's one-time initialization.
public enum Sodium {
    /// The result of `sodium_init()`, run exactly once: Swift initializes a
    /// static stored property lazily under a lock (`swift_once`), so any
    /// thread may trigger it. sodium.h: 0 = initialized now, 1 = already
    /// initialized, -1 = failure (e.g. no entropy source).
    private static let initResult: Int32 = sodium_init()

    /// Initializes libsodium (picks implementations, opens the random
    /// source). Safe and cheap to call from any thread, any number of times.
    public static func initialize() throws(SodiumError) {
        guard initResult >= 0 else { throw .initializationFailed }
    }
}

/// A failure inside libsodium.
public enum SodiumError: Error, Equatable, CustomStringConvertible {
    /// `sodium_init()` returned -1.
    case initializationFailed
    /// A seed was not `crypto_sign_SEEDBYTES` (32) bytes long.
    case wrongSeedLength(got: Int)
    /// A libsodium call that should not fail reported failure.
    case callFailed(String)

    public var description: String {
        switch self {
        case .initializationFailed:
            "libsodium could not be initialized (sodium_init() returned -1); check that /dev/urandom is readable"
        case let .wrongSeedLength(got):
            "an Ed25519 seed is 32 bytes, got \(got)"
        case let .callFailed(call):
            "libsodium call \(call) failed"
        }
    }
}

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

/// Random bytes from libsodium's `randombytes_buf` (getrandom(2) on Linux),
/// fetched `batchBytes` at a time and handed out once each: the ingest
/// thread's XChaCha20-Poly1305 nonces (24 bytes) and leaf salts (16 bytes,
/// docs/encoding.md) would otherwise cost two system calls per reading.
/// The bytes are exactly as random as per-call ones; only the system calls
/// are batched. Not thread-safe: one pool per thread.
public final class RandomPool {
    private var buffer: [UInt8]
    private var used: Int

    /// - Parameter batchBytes: bytes fetched per refill. Precondition: at
    ///   least 64, the most one `take` may ask for.
    public init(batchBytes: Int = 256 * 40) {
        precondition(batchBytes >= Self.maxTake, "a random pool needs room for at least \(Self.maxTake) bytes")
        try? Sodium.initialize()
        buffer = [UInt8](repeating: 0, count: batchBytes)
        used = buffer.count
    }

    static let maxTake = 64

    /// Writes the next `count` unused random bytes to `target`.
    public func take(into target: UnsafeMutablePointer<UInt8>, count: Int) {
        precondition(count >= 0 && count <= Self.maxTake, "take at most \(Self.maxTake) bytes at a time")
        if buffer.count - used < count {
            // The unused tail is dropped with the refill: never handed out twice.
            buffer.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
            used = 0
        }
        buffer.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + used, count: count) }
        used += count
    }

    /// The next `count` unused random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            take(into: out.baseAddress!, count: count)
            initialized = count
        }
    }
}

/// Hex and Base64 through libsodium's codecs (sodium_bin2hex, sodium_hex2bin,
/// sodium_bin2base64, sodium_base642bin). They run in time independent of the
/// bytes, so encoding a key seed or a password leaks nothing through timing,
/// and they work on byte arrays the caller can wipe (`sodiumZero`). Public
/// bytes use the core's `Codecs` instead.
enum SodiumHex {
    /// The lowercase hex digits of `bytes`, as ASCII bytes.
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 2 * bytes.count + 1)  // + NUL
        out.withUnsafeMutableBytes { text in
            _ = sodium_bin2hex(text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count, bytes, bytes.count)
        }
        out.removeLast()  // in place: the caller's wipe still covers every digit
        return out
    }

    /// The bytes spelled by `digits` (either case); `nil` for an odd count or
    /// any other character, with nothing decoded left behind.
    static func decode(_ digits: some Collection<UInt8>) -> [UInt8]? {
        let text = Array(digits)
        var out = [UInt8](repeating: 0, count: text.count / 2)
        var length = 0
        let status = text.withUnsafeBytes { raw in
            sodium_hex2bin(&out, out.count, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, nil, &length, nil)
        }
        guard status == 0, text.count % 2 == 0, length == out.count else {
            sodiumZero(&out)
            return nil
        }
        return out
    }

    /// Like `decode`, but lowercase only, so each byte string has one spelling.
    /// The case check branches on the digits: use it for public values only.
    static func decodeLowercase(_ digits: some Collection<UInt8>) -> [UInt8]? {
        guard !digits.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }) else { return nil }
        return decode(digits)
    }
}

enum SodiumBase64 {
    /// The standard alphabet with `=` padding (RFC 4648 section 4), as
    /// mosquitto's password file has it, and the URL-safe alphabet without
    /// padding (section 5), for device passwords.
    enum Variant {
        case standard, urlSafeUnpadded

        var code: Int32 {
            switch self {
            case .standard: sodium_base64_VARIANT_ORIGINAL
            case .urlSafeUnpadded: sodium_base64_VARIANT_URLSAFE_NO_PADDING
            }
        }
    }

    static func encode(_ bytes: [UInt8], _ variant: Variant = .standard) -> String {
        let capacity = sodium_base64_encoded_len(bytes.count, variant.code)  // includes the NUL
        var out = [UInt8](repeating: 0, count: capacity)
        out.withUnsafeMutableBytes { text in
            _ = sodium_bin2base64(text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count, bytes, bytes.count, variant.code)
        }
        return String(decoding: out.dropLast(), as: UTF8.self)
    }

    /// The bytes of `text`; `nil` unless all of it is Base64 of `variant`.
    /// libsodium refuses misplaced padding and non-zero unused bits of the
    /// last group, so each byte string has exactly one accepted encoding.
    static func decode(_ text: some StringProtocol, _ variant: Variant = .standard) -> [UInt8]? {
        let characters = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: characters.count / 4 * 3 + 3)
        var length = 0
        let status = characters.withUnsafeBytes { raw in
            sodium_base642bin(&out, out.count, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, nil, &length, nil, variant.code)
        }
        guard status == 0 else { return nil }
        out.removeLast(out.count - length)
        return out
    }
}

/// A holder of secret bytes that never shows them: `print`, interpolation,
/// `dump()` and debuggers see its type's name and `<redacted>`, and at
/// most what a type adds that is not secret (a public key).
public protocol Redacted: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {}

extension Redacted {
    public var description: String { "\(Self.self)(<redacted>)" }
    public var debugDescription: String { description }
    /// No children, so `dump()` and debuggers cannot show the secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
