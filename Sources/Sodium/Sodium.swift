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
