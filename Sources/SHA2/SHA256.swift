/// Incremental SHA-256 (FIPS 180-4 section 6.2).
///
/// Feed the message with any number of `update` calls, then `finalize()`.
/// The state lives inline (no heap storage), so hashing short inputs such as
/// Merkle nodes in a loop does not allocate.
///
///     var hasher = SHA256()
///     hasher.update([0x61, 0x62])
///     hasher.update([0x63])
///     let digest = hasher.finalize()   // SHA-256("abc")
public struct SHA256: Sendable {
    /// The block size in bytes (FIPS 180-4 section 1: 512-bit blocks).
    public static let blockByteCount = 64

    @usableFromInline internal var state: SHA256State
    /// Bytes that do not yet fill a block; only the first `bufferedCount` are meaningful.
    @usableFromInline internal var buffer: SHA256Block
    @usableFromInline internal var bufferedCount: Int
    /// The message length so far in bytes; FIPS 180-4 section 5.1.1 appends it in bits.
    @usableFromInline internal var messageLength: UInt64

    /// A hasher holding the initial hash value H(0) of FIPS 180-4 section 5.3.3.
    public init() {
        state = SHA256State()
        buffer = SHA256Block()
        bufferedCount = 0
        messageLength = 0
    }

    /// Appends `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var remaining = bytes.baseAddress, bytes.count > 0 else { return }
        var count = bytes.count
        messageLength &+= UInt64(count)

        if bufferedCount > 0 {
            let taken = Swift.min(count, Self.blockByteCount - bufferedCount)
            buffer.copy(from: remaining, count: taken, at: bufferedCount)
            bufferedCount += taken
            remaining += taken
            count -= taken
            guard bufferedCount == Self.blockByteCount else { return }
            buffer.withBytes { state.compress(block: $0) }
            bufferedCount = 0
        }
        // Whole blocks are compressed straight from the caller's memory.
        while count >= Self.blockByteCount {
            state.compress(block: remaining)
            remaining += Self.blockByteCount
            count -= Self.blockByteCount
        }
        if count > 0 {
            buffer.copy(from: remaining, count: count, at: 0)
            bufferedCount = count
        }
    }

    /// Appends `bytes` to the message. Contiguous collections (`[UInt8]`,
    /// `ArraySlice`, `UnsafeBufferPointer`) are hashed in place.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            // A non-contiguous collection is staged through a block-sized stack buffer.
            var chunk = SHA256Block()
            var filled = 0
            for byte in bytes {
                chunk.set(byte, at: filled)
                filled += 1
                if filled == Self.blockByteCount {
                    chunk.withBytes { update(UnsafeRawBufferPointer(start: $0, count: filled)) }
                    filled = 0
                }
            }
            chunk.withBytes { update(UnsafeRawBufferPointer(start: $0, count: filled)) }
        }
    }

    /// Pads the message (FIPS 180-4 section 5.1.1) and returns its digest.
    public consuming func finalize() -> SHA256Digest {
        let bitLength = messageLength &* 8
        // Padding: one 0x80 byte, zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        buffer.set(0x80, at: bufferedCount)
        bufferedCount += 1
        if bufferedCount > Self.blockByteCount - 8 {
            buffer.zero(from: bufferedCount)
            buffer.withBytes { state.compress(block: $0) }
            bufferedCount = 0
        }
        buffer.zero(from: bufferedCount)
        buffer.setBigEndianLength(bitLength)
        buffer.withBytes { state.compress(block: $0) }
        return state.digest
    }

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 digest of the bytes in `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
