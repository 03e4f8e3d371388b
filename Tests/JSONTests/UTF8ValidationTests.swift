import Codecs
import JSON
import Testing

/// Ill-formed UTF-8 from RFC 3629 section 3 and Unicode Table 3-7, each
/// placed inside a JSON string (`"` + bytes + `"`), so the error offset is 1
/// plus the index of the first bad byte.
@Suite struct UTF8ValidationTests {
    @Test(arguments: [
        ("c3a9", true),           // U+00E9
        ("e282ac", true),         // U+20AC
        ("f09d849e", true),       // U+1D11E
        ("f48fbfbf", true),       // U+10FFFF, the last code point
        ("efbbbf", true),         // U+FEFF inside a string is just a character
        ("80", false),            // stray continuation byte
        ("c0af", false),          // overlong "/"
        ("c1bf", false),          // overlong
        ("e080af", false),        // overlong 3-byte
        ("f08082af", false),      // overlong 4-byte
        ("eda080", false),        // encoded surrogate U+D800
        ("edbfbf", false),        // encoded surrogate U+DFFF
        ("f4908080", false),      // U+110000
        ("f5808080", false),      // lead byte beyond U+10FFFF
        ("ff", false),
        ("c3", false),            // truncated by the closing quote
        ("e282", false),
        ("c328", false),          // lead byte then ASCII
    ])
    func stringBytes(hex: String, valid: Bool) throws {
        let bytes = [0x22] + Hex.decode(hex)! + [0x22]
        if valid {
            let parsed = try JSONParser.parse(bytes)
            #expect(Array(try #require(parsed.string).utf8) == Hex.decode(hex)!)
        } else {
            #expect(throws: JSONError(.invalidUTF8, at: 1)) { try JSONParser.parse(bytes) }
        }
    }

    @Test func badBytesOutsideStringsAreReportedAsUTF8() {
        #expect(throws: JSONError(.invalidUTF8, at: 1)) { try JSONParser.parse([0x5B, 0xFF, 0x5D]) }
        // Valid UTF-8 that is not JSON is an unexpected byte, e.g. a byte order mark (RFC 8259 section 8.1).
        #expect(throws: JSONError(.unexpectedByte, at: 0)) { try JSONParser.parse([0xEF, 0xBB, 0xBF, 0x31]) }
    }
}
