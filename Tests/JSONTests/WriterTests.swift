import JSON
import Testing

@Suite struct WriterTests {
    @Test func compactKeepsMemberOrderAndHasNoWhitespace() {
        let value: JSONValue = ["device": "ox-001", "seq": 17, "ok": true, "none": nil, "list": [1, "two"]]
        #expect(value.serialized() == #"{"device":"ox-001","seq":17,"ok":true,"none":null,"list":[1,"two"]}"#)
    }

    @Test func prettyUsesTwoSpaceIndent() {
        let value: JSONValue = ["a": [1, 2], "b": [:], "c": []]
        let expected = """
            {
              "a": [
                1,
                2
              ],
              "b": {},
              "c": []
            }
            """
        #expect(value.serialized(pretty: true) == expected)
    }

    /// Only quote, backslash and C0 controls are escaped (RFC 8259 section 7);
    /// "/" and non-ASCII are written as they are.
    @Test func stringsEscapeOnlyWhatTheRFCRequires() {
        let value = JSONValue.string("q\"b\\s/\n\r\t\u{08}\u{0C}\u{01}\u{1F}é𝄞")
        #expect(value.serialized() == #""q\"b\\s/\n\r\t\b\f\u0001\u001fé𝄞""#)
    }

    @Test(arguments: [
        #"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#,
        #"[null,true,false,-0.5e-3,"\u0000\"",{"":[]}]"#,
        #""\ud834\udd1e""#,
    ])
    func parseThenWriteThenParseIsStable(text: String) throws {
        let first = try JSONParser.parse(text)
        let written = first.serialized()
        #expect(try JSONParser.parse(written) == first)
        #expect(try JSONParser.parse(first.serialized(pretty: true)) == first)
        #expect(try JSONParser.parse(written).serialized() == written)
    }

    @Test func integersOfAnyWidth() {
        #expect(JSONValue.int(UInt64.max).serialized() == "18446744073709551615")
        #expect(JSONValue.int(Int8(-5)).serialized() == "-5")
        #expect(JSONValue.int(UInt64.max).uint64 == UInt64.max)
    }
}
