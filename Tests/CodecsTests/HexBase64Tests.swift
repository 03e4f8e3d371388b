import Codecs
import Testing

@Suite struct HexBase64Tests {
    /// RFC 4648 section 10 test vectors (BASE64 and BASE16 columns).
    @Test(arguments: [
        ("", "", ""),
        ("f", "Zg==", "66"),
        ("fo", "Zm8=", "666f"),
        ("foo", "Zm9v", "666f6f"),
        ("foob", "Zm9vYg==", "666f6f62"),
        ("fooba", "Zm9vYmE=", "666f6f6261"),
        ("foobar", "Zm9vYmFy", "666f6f626172"),
    ])
    func rfc4648Vectors(plain: String, base64: String, hex: String) {
        let bytes = Array(plain.utf8)
        #expect(Base64.encode(bytes) == base64)
        #expect(Base64.decode(base64) == bytes)
        #expect(Hex.encode(bytes) == hex)
        #expect(Hex.decode(hex) == bytes)
        #expect(Hex.decode(hex.uppercased()) == bytes)
    }

    @Test func allByteValuesRoundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
    }

    @Test(arguments: [
        "Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm-v", "Zm_v",
        "Zh==",   // nonzero pad bits: "Zg==" is the one encoding of "f"
        "Zm9=",   // nonzero pad bits: "Zm8=" is the one encoding of "fo"
    ])
    func base64RejectsNonCanonical(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test(arguments: ["0", "abc", "0g", "0x00", " 00", "00 "])
    func hexRejectsMalformed(text: String) {
        #expect(Hex.decode(text) == nil)
    }
}
