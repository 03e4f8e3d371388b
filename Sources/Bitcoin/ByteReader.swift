/// A cursor over serialized bytes. Integers are little-endian, as Bitcoin
/// Core's serialize.h writes them; every read checks bounds first, so a
/// hostile length can never read past the end or allocate ahead of the data.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .truncated(field: field) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readByte(_ field: String) throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads `width` bytes as an unsigned little-endian integer.
    mutating func readLittleEndian(_ width: Int, _ field: String) throws(WireError) -> UInt64 {
        let raw = try read(width, field)
        return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        UInt32(try readLittleEndian(4, field))
    }

    /// Bitcoin Core serialize.h `ReadCompactSize`: 1, 3, 5 or 9 bytes, the
    /// shortest form only, and at most MAX_SIZE (0x02000000).
    mutating func readCompactSize(_ field: String) throws(WireError) -> Int {
        let first = try readByte(field)
        let value: UInt64
        let minimum: UInt64
        switch first {
        case 0xfd: value = try readLittleEndian(2, field); minimum = 0xfd
        case 0xfe: value = try readLittleEndian(4, field); minimum = 0x1_0000
        case 0xff: value = try readLittleEndian(8, field); minimum = 0x1_0000_0000
        default: return Int(first)
        }
        guard value >= minimum, value <= 0x0200_0000 else { throw .badCompactSize(field: field) }
        return Int(value)
    }

    /// A CompactSize length followed by that many bytes.
    mutating func readVarBytes(_ field: String) throws(WireError) -> [UInt8] {
        try read(try readCompactSize(field), field)
    }

    /// Throws unless every byte was consumed.
    func finish(_ structure: String) throws(WireError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining, after: structure) }
    }
}
