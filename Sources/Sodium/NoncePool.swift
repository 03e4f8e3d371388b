import CSodium

/// Random 24-byte XChaCha20-Poly1305 nonces, drawn from libsodium's
/// `randombytes_buf` (getrandom(2) on Linux) `batch` at a time.
///
/// `DataKey.seal` otherwise asks for 24 random bytes per call: one system
/// call per sealed reading on the ingest thread. The nonces are exactly as
/// random as before (random 192-bit nonces, each handed out once); only the
/// system calls are batched. Not thread-safe: one pool per thread.
public final class NoncePool {
    private var buffer: [UInt8]
    private var used: Int

    /// - Parameter batch: nonces fetched per refill. Precondition: `batch > 0`.
    public init(batch: Int = 256) {
        precondition(batch > 0, "a nonce pool needs room for at least one nonce")
        try? Sodium.initialize()
        buffer = [UInt8](repeating: 0, count: batch * DataKey.nonceByteCount)
        used = buffer.count
    }

    /// Writes the next unused nonce to `target` (24 bytes).
    func take(into target: UnsafeMutablePointer<UInt8>) {
        if used == buffer.count {
            buffer.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
            used = 0
        }
        buffer.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + used, count: DataKey.nonceByteCount) }
        used += DataKey.nonceByteCount
    }
}
