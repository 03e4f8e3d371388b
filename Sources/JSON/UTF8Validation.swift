/// Well-formed UTF-8 per RFC 3629 section 4 (Unicode Table 3-7).
enum UTF8Validation {
    /// The length of the well-formed multi-byte sequence starting at
    /// `offset`, or nil if it is ill-formed: a stray continuation byte, an
    /// overlong form (C0, C1, E0 80..9F, F0 80..8F), an encoded surrogate
    /// (ED A0..BF), a code point above U+10FFFF (F4 90.., F5..FF), or a
    /// sequence cut short by the end of input.
    /// Precondition: `bytes[offset] >= 0x80`.
    static func sequenceLength(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        let lead = bytes[offset]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return nil
        }
        guard offset + length <= bytes.count, secondRange.contains(bytes[offset + 1]) else { return nil }
        for i in 2..<length where bytes[offset + i] & 0xC0 != 0x80 { return nil }
        return length
    }

    /// Whether all of `bytes` is well-formed UTF-8.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i < bytes.count {
            if bytes[i] < 0x80 { i += 1; continue }
            guard let n = sequenceLength(in: bytes, at: i) else { return false }
            i += n
        }
        return true
    }
}
