import JSON

/// The little exact arithmetic SenML needs (bt + t, bv + v, seconds → ms),
/// on ExactDecimal; nil when a result would not fit 18 significant digits.
enum DecimalArithmetic {
    static func sum(_ a: ExactDecimal, _ b: ExactDecimal) -> ExactDecimal? {
        let e = min(a.exponent, b.exponent)
        guard let x = scaled(a, to: e), let y = scaled(b, to: e) else { return nil }
        let (s, overflow) = x.addingReportingOverflow(y)
        guard !overflow, s.magnitude < 1_000_000_000_000_000_000 else { return nil }
        return ExactDecimal(mantissa: s, exponent: e)
    }

    /// `d × 10^digits` if that is an integer (Int64), else nil.
    static func scaledToInteger(_ d: ExactDecimal, by digits: Int32) -> Int64? {
        scaled(d, to: -digits)
    }

    /// The mantissa of `d` written with exponent `e` (≤ d.exponent needs scaling up).
    static func scaled(_ d: ExactDecimal, to e: Int32) -> Int64? {
        var m = d.mantissa
        var x = d.exponent
        while x > e {
            let (p, overflow) = m.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            m = p
            x -= 1
        }
        while x < e {
            guard m % 10 == 0 else { return nil }
            m /= 10
            x += 1
        }
        return m
    }
}
