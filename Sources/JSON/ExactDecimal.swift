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

extension ExactDecimal: CustomStringConvertible {
    /// Reads a number in the RFC 8259 section 6 grammar (`-1.50`, `2e3`, `0.05`).
    /// Nil if the text is not in that grammar, has more than 18 significant
    /// digits, or the normalized exponent is outside ±300.
    public init?(text: String) {
        var text = text
        let parsed = text.withUTF8 { Self.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> ExactDecimal? {
        var i = 0
        let n = bytes.count
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
        let negative = i < n && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n, isDigit(bytes[i]) else { return nil }
        if bytes[i] == UInt8(ascii: "0"), i + 1 < n, isDigit(bytes[i + 1]) { return nil }
        // Significant digits accumulate in `mantissa`; zeros are held back
        // in `pendingZeros` until a nonzero digit follows, so trailing zeros
        // never count against the 18-digit budget.
        var mantissa: Int64 = 0
        var digits = 0
        var pendingZeros = 0
        var scale: Int64 = 0  // power of ten applied to the digits seen so far
        func take(_ d: Int64, fractional: Bool) -> Bool {
            if fractional { scale -= 1 }
            if d == 0 {
                if digits > 0 { pendingZeros += 1 }  // leading zeros are not significant
                return true
            }
            // Checked before multiplying: 19 digits can overflow Int64.
            guard digits + pendingZeros + 1 <= 18 else { return false }
            for _ in 0..<pendingZeros { mantissa *= 10 }
            digits += pendingZeros + 1
            pendingZeros = 0
            mantissa = mantissa * 10 + d
            return true
        }
        while i < n, isDigit(bytes[i]) {
            guard take(Int64(bytes[i] - UInt8(ascii: "0")), fractional: false) else { return nil }
            i += 1
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < n, isDigit(bytes[i]) else { return nil }
            while i < n, isDigit(bytes[i]) {
                guard take(Int64(bytes[i] - UInt8(ascii: "0")), fractional: true) else { return nil }
                i += 1
            }
        }
        var written: Int64 = 0
        if i < n, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n, isDigit(bytes[i]) else { return nil }
            while i < n, isDigit(bytes[i]) {
                written = written * 10 + Int64(bytes[i] - UInt8(ascii: "0"))
                guard written <= 1_000_000 else { return nil }
                i += 1
            }
            if expNegative { written = -written }
        }
        guard i == n else { return nil }
        if mantissa == 0 { return ExactDecimal(mantissa: 0, exponent: 0) }
        // Held-back zeros are trailing: they raise the exponent instead.
        let exponent = scale + Int64(pendingZeros) + written
        guard (-300...300).contains(exponent) else { return nil }
        return ExactDecimal(mantissa: negative ? -mantissa : mantissa, exponent: Int32(exponent))
    }

    /// Plain decimal text with no exponent and no superfluous zeros:
    /// `97`, `36.6`, `-0.05`, `1200`. It is also valid JSON number text.
    public var description: String {
        var out: [UInt8] = []
        appendText(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `description`'s bytes to `out` (for writers on a hot path).
    public func appendText(to out: inout [UInt8]) {
        if mantissa < 0 { out.append(UInt8(ascii: "-")) }
        let start = out.count
        JSONText.appendInteger(mantissa.magnitude, to: &out)
        let digitCount = out.count - start
        if exponent >= 0 {
            out += repeatElement(UInt8(ascii: "0"), count: Int(exponent))
        } else {
            let fraction = Int(-exponent)
            if fraction >= digitCount {
                out.insert(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")] + repeatElement(UInt8(ascii: "0"), count: fraction - digitCount), at: start)
            } else {
                out.insert(UInt8(ascii: "."), at: out.count - fraction)
            }
        }
    }
}
