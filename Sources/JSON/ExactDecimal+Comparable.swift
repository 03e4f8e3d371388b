extension ExactDecimal: Comparable {
    /// Exact comparison. Both values are normalized, so when their leading
    /// digits sit at the same power of ten the exponents differ by less than
    /// 18 and the scaled mantissa still fits in `Int64`.
    public static func < (a: ExactDecimal, b: ExactDecimal) -> Bool {
        if a.mantissa.signum() != b.mantissa.signum() { return a.mantissa.signum() < b.mantissa.signum() }
        if a.mantissa == 0 { return false }
        // Same sign: for positives the smaller magnitude is less, for negatives the larger.
        return a.mantissa > 0 ? magnitudeIsLess(a, b) : magnitudeIsLess(b, a)
    }

    /// `|a| < |b|` for nonzero values.
    static func magnitudeIsLess(_ a: ExactDecimal, _ b: ExactDecimal) -> Bool {
        // Position of the leading digit: value is in [10^lead, 10^(lead+1)).
        let leadA = Int64(a.exponent) + Int64(a.digitCount) - 1
        let leadB = Int64(b.exponent) + Int64(b.digitCount) - 1
        if leadA != leadB { return leadA < leadB }
        var ma = a.mantissa.magnitude
        var mb = b.mantissa.magnitude
        if a.exponent > b.exponent {
            for _ in 0..<(a.exponent - b.exponent) { ma *= 10 }
        } else {
            for _ in 0..<(b.exponent - a.exponent) { mb *= 10 }
        }
        return ma < mb
    }
}
