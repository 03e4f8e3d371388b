import CSodium

/// Hex and Base64 through libsodium's codecs (sodium_bin2hex, sodium_hex2bin,
/// sodium_bin2base64, sodium_base642bin). They run in time independent of the
/// bytes, so encoding a key seed or a password leaks nothing through timing,
/// and they work on byte arrays the caller can wipe (`sodiumZero`). Public
/// bytes use the core's `Codecs` instead.
enum SodiumHex {
    /// The lowercase hex digits of `bytes`, as ASCII bytes.
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 2 * bytes.count + 1)  // + NUL
        out.withUnsafeMutableBytes { text in
            _ = sodium_bin2hex(text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count, bytes, bytes.count)
        }
        out.removeLast()  // in place: the caller's wipe still covers every digit
        return out
    }

    /// The bytes spelled by `digits` (either case); `nil` for an odd count or
    /// any other character, with nothing decoded left behind.
    static func decode(_ digits: some Collection<UInt8>) -> [UInt8]? {
        let text = Array(digits)
        var out = [UInt8](repeating: 0, count: text.count / 2)
        var length = 0
        let status = text.withUnsafeBytes { raw in
            sodium_hex2bin(&out, out.count, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, nil, &length, nil)
        }
        guard status == 0, text.count % 2 == 0, length == out.count else {
            sodiumZero(&out)
            return nil
        }
        return out
    }

    /// Like `decode`, but lowercase only, so each byte string has one spelling.
    /// The case check branches on the digits: use it for public values only.
    static func decodeLowercase(_ digits: some Collection<UInt8>) -> [UInt8]? {
        guard !digits.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }) else { return nil }
        return decode(digits)
    }
}

enum SodiumBase64 {
    /// The standard alphabet with `=` padding (RFC 4648 section 4), as
    /// mosquitto's password file has it, and the URL-safe alphabet without
    /// padding (section 5), for device passwords.
    enum Variant {
        case standard, urlSafeUnpadded

        var code: Int32 {
            switch self {
            case .standard: sodium_base64_VARIANT_ORIGINAL
            case .urlSafeUnpadded: sodium_base64_VARIANT_URLSAFE_NO_PADDING
            }
        }
    }

    static func encode(_ bytes: [UInt8], _ variant: Variant = .standard) -> String {
        let capacity = sodium_base64_encoded_len(bytes.count, variant.code)  // includes the NUL
        var out = [UInt8](repeating: 0, count: capacity)
        out.withUnsafeMutableBytes { text in
            _ = sodium_bin2base64(text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count, bytes, bytes.count, variant.code)
        }
        return String(decoding: out.dropLast(), as: UTF8.self)
    }

    /// The bytes of `text`; `nil` unless all of it is Base64 of `variant`.
    /// libsodium refuses misplaced padding and non-zero unused bits of the
    /// last group, so each byte string has exactly one accepted encoding.
    static func decode(_ text: some StringProtocol, _ variant: Variant = .standard) -> [UInt8]? {
        let characters = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: characters.count / 4 * 3 + 3)
        var length = 0
        let status = characters.withUnsafeBytes { raw in
            sodium_base642bin(&out, out.count, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, nil, &length, nil, variant.code)
        }
        guard status == 0 else { return nil }
        out.removeLast(out.count - length)
        return out
    }
}
