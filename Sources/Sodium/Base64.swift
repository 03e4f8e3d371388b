/// Base64 (RFC 4648): the standard alphabet with `=` padding (section 4),
/// which mosquitto's password file uses (OpenSSL's encoder, no line breaks),
/// and the URL-safe alphabet without padding (section 5) for device passwords.
enum Base64 {
    private static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Standard alphabet, padded to a multiple of four characters.
    static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: encode(bytes, alphabet: standard, padded: true), as: UTF8.self)
    }

    /// URL-safe alphabet, no padding.
    static func encodeURLSafe(_ bytes: [UInt8]) -> String {
        String(decoding: encode(bytes, alphabet: urlSafe, padded: false), as: UTF8.self)
    }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], padded: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let chunk = bytes[i..<min(i + 3, bytes.count)]
            var group = UInt32(chunk[i]) << 16
            if chunk.count > 1 { group |= UInt32(chunk[i + 1]) << 8 }
            if chunk.count > 2 { group |= UInt32(chunk[i + 2]) }
            for k in 0..<4 {
                if k <= chunk.count {
                    out.append(alphabet[Int((group >> (18 - 6 * UInt32(k))) & 0x3f)])
                } else if padded {
                    out.append(UInt8(ascii: "="))
                }
            }
            i += 3
        }
        return out
    }

    /// The bytes of standard, padded Base64 `text`; `nil` unless the length is
    /// a multiple of four, every character is in the alphabet, padding occurs
    /// only at the end, and the unused bits of the last group are zero (so
    /// each byte string has exactly one accepted encoding).
    static func decode(_ text: Substring) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(characters.count / 4 * 3)
        for start in stride(from: 0, to: characters.count, by: 4) {
            let quad = characters[start..<start + 4]
            let isLast = start + 4 == characters.count
            let padding = quad.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || isLast else { return nil }
            var group: UInt32 = 0
            for character in quad.prefix(4 - padding) {
                guard let value = standard.firstIndex(of: character) else { return nil }
                group = group << 6 | UInt32(value)
            }
            group <<= 6 * UInt32(padding)
            let produced = 3 - padding
            let mask: UInt32 = padding == 0 ? 0 : (1 << (8 * UInt32(padding))) - 1
            guard group & mask == 0 else { return nil }
            for k in 0..<produced { out.append(UInt8(truncatingIfNeeded: group >> (16 - 8 * UInt32(k)))) }
        }
        return out
    }
}
