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
