import JSON
import Testing

@Suite struct JSONNumberTests {
    /// Rows: text, int64, uint64. Only integer text within range converts.
    @Test(arguments: [
        ("0", Int64(0), UInt64(0)),
        ("17", 17, 17),
        ("-17", -17, nil),
        ("-0", 0, nil),
        ("9223372036854775807", Int64.max, 9_223_372_036_854_775_807),
        ("9223372036854775808", nil, 9_223_372_036_854_775_808),
        ("-9223372036854775808", Int64.min, nil),
        ("18446744073709551616", nil, nil),
        ("1.0", nil, nil),
        ("1e2", nil, nil),
        ("1E2", nil, nil),
    ] as [(String, Int64?, UInt64?)])
    func integerViews(text: String, int64: Int64?, uint64: UInt64?) throws {
        let number = try #require(try JSONParser.parse(text).number)
        #expect(number.int64 == int64)
        #expect(number.uint64 == uint64)
    }

    @Test func decimalAndDoubleViews() throws {
        let number = try #require(try JSONParser.parse("36.60").number)
        #expect(number.decimal == ExactDecimal(mantissa: 366, exponent: -1))
        #expect(number.double == 36.6)
        #expect(try JSONParser.parse("1e400").number?.double == nil)
        #expect(try JSONParser.parse("1234567890123456789").number?.decimal == nil)
    }

    @Test func initializersWriteCanonicalText() {
        #expect(JSONNumber(Int64(-42)).text == "-42")
        #expect(JSONNumber(ExactDecimal(mantissa: -500, exponent: -4)).text == "-0.05")
    }
}
