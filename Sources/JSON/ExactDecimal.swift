/// An exact decimal: `mantissa × 10^exponent`, kept normalized so equal
/// values have equal representations (no trailing zeros in the mantissa;
/// zero is `0e0`), with at most 18 significant digits.
///
/// Eighteen digits is what fits in an `Int64` with room to spare: any two
/// values whose leading digits line up can be compared after scaling one
/// mantissa, without overflow. Measurements have far fewer digits; a
/// number with more is rejected rather than rounded.
public struct ExactDecimal: Sendable, Hashable {
    public let mantissa: Int64
    public let exponent: Int32

    /// The largest mantissa magnitude plus one: 10^18.
    static let mantissaLimit: Int64 = 1_000_000_000_000_000_000

    /// `mantissa × 10^exponent`, normalized.
    /// Precondition: after removing trailing zeros, `|mantissa| < 10^18`,
    /// and the exponent, adjusted for the zeros removed, fits in `Int32`.
    public init(mantissa: Int64, exponent: Int32) {
        guard mantissa != 0 else {
            self.mantissa = 0
            self.exponent = 0
            return
        }
        var m = mantissa
        var e = Int64(exponent)
        while m % 10 == 0 {
            m /= 10
            e += 1
        }
        precondition(m > -Self.mantissaLimit && m < Self.mantissaLimit, "ExactDecimal holds at most 18 significant digits")
        precondition(e <= Int64(Int32.max), "ExactDecimal exponent overflow")
        self.mantissa = m
        self.exponent = Int32(e)
    }

    /// The integer `v`. Precondition: at most 18 significant digits.
    public init(_ v: Int64) {
        self.init(mantissa: v, exponent: 0)
    }

    /// The nearest `Double`, correctly rounded from the decimal text.
    public var double: Double {
        Double(description)!
    }

    /// Number of decimal digits of `|mantissa|` (1 for zero).
    var digitCount: Int {
        var m = mantissa.magnitude
        var count = 1
        while m >= 10 {
            m /= 10
            count += 1
        }
        return count
    }
}
