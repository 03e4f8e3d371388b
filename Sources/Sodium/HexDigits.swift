/// The lowercase hex digits of `bytes`, as ASCII bytes rather than a String
/// so that a caller encoding secret material can wipe them (`sodiumZero`).
func lowercaseHexDigits(_ bytes: [UInt8]) -> [UInt8] {
    let digits: StaticString = "0123456789abcdef"
    return digits.withUTF8Buffer { table in
        var out: [UInt8] = []
        out.reserveCapacity(2 * bytes.count)
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return out
    }
}

/// The bytes spelled by lowercase hex `digits`; `nil` for an odd count or any
/// other character. Lowercase only, so each byte string has one spelling.
func bytesFromLowercaseHex(_ digits: some Collection<UInt8>) -> [UInt8]? {
    guard digits.count % 2 == 0 else { return nil }
    var out = [UInt8](repeating: 0, count: digits.count / 2)
    for (i, character) in digits.enumerated() {
        let nibble: UInt8
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
        default:
            sodiumZero(&out)
            return nil
        }
        out[i / 2] |= i % 2 == 0 ? nibble << 4 : nibble
    }
    return out
}
