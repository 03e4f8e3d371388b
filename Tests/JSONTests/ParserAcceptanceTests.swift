import JSON
import Testing

@Suite struct ParserAcceptanceTests {
    @Test func readingPayloadParsesIntoOrderedMembers() throws {
        let value = try JSONParser.parse(#"{"device":"ox-001","seq":17,"ts":1764072000123,"spo2":97,"hr":72}"#)
        let object = try #require(value.object)
        #expect(object.members.map(\.key) == ["device", "seq", "ts", "spo2", "hr"])
        #expect(value["device"]?.string == "ox-001")
        #expect(value["seq"]?.uint64 == 17)
        #expect(value["ts"]?.int64 == 1_764_072_000_123)
        #expect(value["missing"] == nil)
    }

    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .number(JSONNumber(validatedText: "0"))),
        ("-0", .number(JSONNumber(validatedText: "-0"))),
        ("-12.50e+3", .number(JSONNumber(validatedText: "-12.50e+3"))),
        ("1E-7", .number(JSONNumber(validatedText: "1E-7"))),
        (#""""#, .string("")),
        ("[]", .array([])),
        ("{}", .object(JSONObject())),
        ("\t[1 ,\r\n[ ] ,{ }]\n", [1, [], .object(JSONObject())]),
        (#"{"a":{"b":[null,true,"x"]}}"#, ["a": ["b": [nil, true, "x"]]]),
    ] as [(String, JSONValue)])
    func scalarsAndContainers(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    /// RFC 8259 section 7 escapes, including a UTF-16 surrogate pair (U+1D11E).
    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\ud834\udd1e""#, "\u{1D11E}"),
        (#""a\u0000b""#, "a\u{0}b"),
        (#""prefix \n suffix""#, "prefix \n suffix"),
        ("\"héllo €𝄞\"", "héllo €𝄞"),
    ])
    func stringEscapes(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text).string == expected)
    }

    @Test func allThreeEntryPointsAgree() throws {
        let text = #"{"k":[1,"v"]}"#
        let fromString = try JSONParser.parse(text)
        let fromArray = try JSONParser.parse(Array(text.utf8))
        let fromBuffer = try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
        #expect(fromString == fromArray)
        #expect(fromArray == fromBuffer)
    }

    @Test func depthLimitCountsContainers() throws {
        var limits = JSONParser.Limits()
        limits.maxDepth = 3
        #expect(try JSONParser.parse("[[[1]]]", limits: limits) == [[[1]]])
        #expect(throws: JSONError(.tooDeep, at: 3)) { try JSONParser.parse("[[[[1]]]]", limits: limits) }
        #expect(throws: JSONError(.tooDeep, at: 15)) {
            try JSONParser.parse(#"{"a":{"b":{"c":{}}}}"#, limits: limits)
        }
    }

    @Test func sizeLimitIsCheckedBeforeParsing() throws {
        var limits = JSONParser.Limits()
        limits.maxBytes = 4
        #expect(try JSONParser.parse("[12]", limits: limits) == [12])
        #expect(throws: JSONError(.tooLarge, at: 4)) { try JSONParser.parse("[123]", limits: limits) }
    }

    @Test func largeObjectsStillDetectDuplicates() throws {
        let keys = (0..<40).map { "\"k\($0)\":\($0)" }
        let ok = "{" + keys.joined(separator: ",") + "}"
        #expect(try JSONParser.parse(ok).object?.members.count == 40)
        let dup = "{" + keys.joined(separator: ",") + ",\"k3\":0}"
        #expect(throws: JSONError.self) { try JSONParser.parse(dup) }
    }
}
