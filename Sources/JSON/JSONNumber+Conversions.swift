extension JSONNumber {
    /// The number written with `v`'s decimal digits.
    public init(_ v: Int64) {
        self.init(validatedText: String(v))
    }

    /// The number written as `d`'s canonical plain decimal text.
    public init(_ d: ExactDecimal) {
        self.init(validatedText: d.description)
    }

    /// The value as `Int64` if the text is an integer (no fraction, no
    /// exponent) within range; `1.0` and `1e2` are not integers here, as
    /// their writer did not mean one.
    public var int64: Int64? {
        guard isIntegerText else { return nil }
        return Int64(text)
    }

    /// The value as `UInt64` if the text is a non-negative integer (no sign,
    /// fraction or exponent) within range.
    public var uint64: UInt64? {
        guard isIntegerText, text.utf8.first != UInt8(ascii: "-") else { return nil }
        return UInt64(text)
    }

    /// The exact value, or nil beyond 18 significant digits or ±300 exponent.
    public var decimal: ExactDecimal? {
        ExactDecimal(text: text)
    }

    /// The nearest `Double`, or nil if the magnitude overflows it.
    public var double: Double? {
        guard let d = Double(text), d.isFinite else { return nil }
        return d
    }

    var isIntegerText: Bool {
        let isFractionOrExponent = { (c: UInt8) in c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e") }
        if let found = text.utf8.withContiguousStorageIfAvailable({ $0.contains(where: isFractionOrExponent) }) { return !found }
        return !text.utf8.contains(where: isFractionOrExponent)
    }
}
