import Codecs

/// A SHA-256 digest: 32 bytes, stored inline as four big-endian 64-bit words
/// so that digests can be created, compared and hashed without allocating.
///
/// Ordering (`Comparable`) is lexicographic over the 32 bytes, the same order
/// as comparing the lowercase `hex` strings.
public struct SHA256Digest: Hashable, Sendable, Comparable {
    /// The length of a SHA-256 digest in bytes (FIPS 180-4 section 1, "message digest size").
    public static let byteCount = 32

    // Bytes 0..<8, 8..<16, 16..<24, 24..<32, each word read as a big-endian integer.
    @usableFromInline internal var w0, w1, w2, w3: UInt64

    @inlinable
    internal init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// A digest from exactly 32 bytes; `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var position = 0
        for byte in bytes {
            let shift = UInt64(56 - 8 * (position % 8))
            switch position / 8 {
            case 0: words.0 |= UInt64(byte) << shift
            case 1: words.1 |= UInt64(byte) << shift
            case 2: words.2 |= UInt64(byte) << shift
            default: words.3 |= UInt64(byte) << shift
            }
            position += 1
        }
        self.init(words: words.0, words.1, words.2, words.3)
    }

    /// A digest from 32 bytes in memory (four big-endian words, no per-byte
    /// work); nil for any other length. For tiles and stored hashes read in bulk.
    public init?(raw bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(words: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// The 32 digest bytes, in order.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Calls `body` with the 32 digest bytes, without copying them to the heap.
    /// The buffer is valid only for the duration of the call.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // A homogeneous tuple is laid out contiguously; storing each word
        // big-endian makes its memory the digest bytes in order.
        let laidOut = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: laidOut, body)
    }

    public static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}

extension SHA256Digest: CustomStringConvertible {
    /// The digest as 64 lowercase hexadecimal digits.
    public var hex: String {
        withUnsafeBytes { Hex.encode($0) }
    }

    /// A digest from exactly 64 hexadecimal digits (either case); `nil` otherwise.
    public init?(hex: String) {
        guard hex.utf8.count == 2 * Self.byteCount, let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var description: String { hex }
}
