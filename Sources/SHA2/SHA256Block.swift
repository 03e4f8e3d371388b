/// A 64-byte message block stored inline (eight 64-bit words), used as the
/// hasher's partial-block buffer so that `SHA256` never touches the heap.
@usableFromInline
internal struct SHA256Block: Sendable {
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    @usableFromInline init() {}

    /// Calls `body` with the block's 64 bytes (non-mutating, so the hasher can
    /// update its state inside `body` without overlapping access to itself).
    func withBytes<R>(_ body: (UnsafeRawPointer) -> R) -> R {
        Swift.withUnsafeBytes(of: storage) { body($0.baseAddress!) }
    }

    /// Copies `count` bytes from `source` to offset `offset`. Precondition: `offset + count <= 64`.
    mutating func copy(from source: UnsafeRawPointer, count: Int, at offset: Int) {
        Swift.withUnsafeMutableBytes(of: &storage) { block in
            (block.baseAddress! + offset).copyMemory(from: source, byteCount: count)
        }
    }

    mutating func set(_ byte: UInt8, at offset: Int) {
        Swift.withUnsafeMutableBytes(of: &storage) { $0[offset] = byte }
    }

    /// Zeroes bytes `offset..<64`.
    mutating func zero(from offset: Int) {
        Swift.withUnsafeMutableBytes(of: &storage) { block in
            for i in offset..<block.count { block[i] = 0 }
        }
    }

    /// Writes `length` big-endian into the last 8 bytes (FIPS 180-4 section 5.1.1).
    mutating func setBigEndianLength(_ length: UInt64) {
        storage.7 = length.bigEndian
    }
}
