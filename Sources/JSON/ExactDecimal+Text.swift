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
