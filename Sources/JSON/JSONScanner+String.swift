import Codecs

extension JSONScanner {
    /// RFC 8259 section 7. Starts at the opening quote and consumes the
    /// closing one. Strings without escapes are made straight from the
    /// input; the first backslash switches to copying into `scratch`.
    mutating func parseString() throws(JSONError) -> String {
        index += 1
        let start = index
        var hasEscapes = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let string = hasEscapes ? String(decoding: scratch, as: UTF8.self) : text(start..<index)
                index += 1
                return string
            case UInt8(ascii: "\\"):
                if !hasEscapes {
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                    hasEscapes = true
                }
                try parseEscape()
            case 0x00..<0x20:
                throw JSONError(.controlCharacterInString, at: index)
            case 0x80...:
                guard let length = UTF8Validation.sequenceLength(in: bytes, at: index) else {
                    throw JSONError(.invalidUTF8, at: index)
                }
                if hasEscapes { scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<index + length])) }
                index += length
            default:
                if hasEscapes { scratch.append(byte) }
                index += 1
            }
        }
        throw JSONError(.unexpectedEnd, at: index)
    }

    /// One escape starting at the backslash; appends its UTF-8 to `scratch`.
    /// A `\u` high surrogate must be followed by a `\u` low surrogate
    /// (section 7's UTF-16 pair); a lone surrogate names no character, so it is rejected.
    mutating func parseEscape() throws(JSONError) {
        let escapeOffset = index
        guard index + 1 < bytes.count else { throw JSONError(.unexpectedEnd, at: bytes.count) }
        let kind = bytes[index + 1]
        index += 2
        let simple: UInt8
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = kind
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            var scalar = UInt32(try parseHex4())
            if (0xDC00...0xDFFF).contains(scalar) { throw JSONError(.invalidEscape, at: escapeOffset) }
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw JSONError(.invalidEscape, at: escapeOffset)
                }
                index += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONError(.invalidEscape, at: escapeOffset) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            appendUTF8(scalar)
            return
        default:
            throw JSONError(.invalidEscape, at: escapeOffset)
        }
        scratch.append(simple)
    }

    /// Four hex digits, either case.
    mutating func parseHex4() throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            guard let digit = Hex.digitValue(bytes[index]) else { throw JSONError(.invalidEscape, at: index) }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Appends a Unicode scalar value (never a surrogate) as UTF-8.
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

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
