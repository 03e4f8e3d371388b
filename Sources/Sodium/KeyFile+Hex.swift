extension KeyFile {
    /// The seed from the file content: exactly 64 hex digits (either case)
    /// and one trailing newline, which may be missing.
    static func decodeSeed(_ content: ArraySlice<UInt8>, path: String) throws(KeyFileError) -> [UInt8] {
        var digits = content
        if digits.last == UInt8(ascii: "\n") { digits = digits.dropLast() }
        let expected = 2 * Ed25519SecretKey.seedByteCount
        guard digits.count == expected else {
            let what = content.count > expected + 1 ? "more than \(expected + 1) bytes" : "\(digits.count) digits"
            throw .malformed(path: path, reason: "found \(what)")
        }
        var seed = [UInt8](repeating: 0, count: Ed25519SecretKey.seedByteCount)
        for (i, character) in digits.enumerated() {
            guard let nibble = hexValue(character) else {
                sodiumZero(&seed)
                throw .malformed(path: path, reason: "byte \(i) is not a hexadecimal digit")
            }
            seed[i / 2] |= i % 2 == 0 ? nibble << 4 : nibble
        }
        return seed
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
