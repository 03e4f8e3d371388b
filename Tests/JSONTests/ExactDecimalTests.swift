import JSON
import Testing

@Suite struct ExactDecimalTests {
    /// Rows: JSON number text, normalized mantissa, exponent, canonical text.
    @Test(arguments: [
        ("97", Int64(97), Int32(0), "97"),
        ("36.6", 366, -1, "36.6"),
        ("36.60", 366, -1, "36.6"),
        ("-0.05", -5, -2, "-0.05"),
        ("1200", 12, 2, "1200"),
        ("1.2e3", 12, 2, "1200"),
        ("12E-1", 12, -1, "1.2"),
        ("0", 0, 0, "0"),
        ("-0", 0, 0, "0"),
        ("0.000", 0, 0, "0"),
        ("0e5", 0, 0, "0"),
        ("100.0100", 10001, -2, "100.01"),
        ("0.001e3", 1, 0, "1"),
        ("123456789012345678", 123_456_789_012_345_678, 0, "123456789012345678"),
        ("1234567890123456780000", 123_456_789_012_345_678, 4, "1234567890123456780000"),
        ("-999999999999999999e-5", -999_999_999_999_999_999, -5, "-9999999999999.99999"),
    ] as [(String, Int64, Int32, String)])
    func parsesAndNormalizes(text: String, mantissa: Int64, exponent: Int32, canonical: String) throws {
        let d = try #require(ExactDecimal(text: text))
        #expect(d.mantissa == mantissa)
        #expect(d.exponent == exponent)
        #expect(d.description == canonical)
        #expect(ExactDecimal(text: canonical) == d)
    }

    @Test(arguments: [
        "1234567890123456789",        // 19 significant digits
        "1.234567890123456789",
        "97.0000000000000000001",     // 19 digits through held-back zeros
        "9999999999999999999", "-9223372036854775809",
        "1e301", "1e-301", "1e9999999",
        "", "-", "01", "1.", ".5", "+1", "1e", "NaN", "Infinity", " 1", "1 ", "0x10",
    ])
    func rejects(text: String) {
        #expect(ExactDecimal(text: text) == nil)
    }

    @Test func initializerNormalizes() {
        #expect(ExactDecimal(mantissa: 1500, exponent: -3) == ExactDecimal(mantissa: 15, exponent: -1))
        #expect(ExactDecimal(mantissa: 0, exponent: 9) == ExactDecimal(0))
        #expect(ExactDecimal(mantissa: 0, exponent: 9).exponent == 0)
        #expect(ExactDecimal(1200).mantissa == 12)
    }

    @Test(arguments: [
        ("-2", "-1.5"), ("-1.5", "0"), ("0", "0.001"), ("0.999999999999999999", "1"),
        ("99", "100"), ("1", "1.00000000000000001"), ("-100", "-99"), ("36.5", "36.6"),
        ("1e-300", "1e300"), ("-1e300", "-1e-300"),
    ])
    func ordersExactly(lower: String, higher: String) throws {
        let a = try #require(ExactDecimal(text: lower))
        let b = try #require(ExactDecimal(text: higher))
        #expect(a < b)
        #expect(!(b < a))
        #expect(!(a < a))
    }

    @Test func doubleIsCorrectlyRounded() {
        #expect(ExactDecimal(mantissa: 366, exponent: -1).double == 36.6)
        #expect(ExactDecimal(mantissa: -5, exponent: -2).double == -0.05)
    }
}
