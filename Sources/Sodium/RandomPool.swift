import CSodium

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
