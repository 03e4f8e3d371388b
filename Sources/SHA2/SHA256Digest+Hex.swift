extension SHA256Digest: CustomStringConvertible {
    /// The digest as 64 lowercase hexadecimal digits.
    public var hex: String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 2 * Self.byteCount) { out in
            digits.withUTF8Buffer { table in
                withUnsafeBytes { bytes in
                    for (i, byte) in bytes.enumerated() {
                        out[2 * i] = table[Int(byte >> 4)]
                        out[2 * i + 1] = table[Int(byte & 0x0f)]
                    }
                }
            }
            return 2 * Self.byteCount
        }
    }

    /// A digest from exactly 64 hexadecimal digits (either case); `nil` otherwise.
    public init?(hex: String) {
        let utf8 = hex.utf8
        guard utf8.count == 2 * Self.byteCount else { return nil }
        var words: [UInt64] = []  // four words; only on the parsing path, not the hashing path
        words.reserveCapacity(4)
        var word: UInt64 = 0
        for (i, character) in utf8.enumerated() {
            guard let nibble = Self.nibble(character) else { return nil }
            word = word << 4 | UInt64(nibble)
            if i % 16 == 15 { words.append(word); word = 0 }
        }
        self.init(words: words[0], words[1], words[2], words[3])
    }

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
