/// A parsed JSON value (RFC 8259). Objects keep their members in document
/// order; numbers keep their exact text so no precision is lost before the
/// caller decides how to read them.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number as written (RFC 8259 section 6 grammar, already validated).
public struct JSONNumber: Sendable, Equatable, Hashable {
    /// The number's text exactly as in the document, e.g. `-12.50e3`.
    public let text: String
    public init(validatedText: String) { self.text = validatedText }
}

/// A JSON object: members in document order. Duplicate keys are rejected by the parser.
public struct JSONObject: Sendable, Equatable {
    public var members: [(key: String, value: JSONValue)]
    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }
    public subscript(key: String) -> JSONValue? {
        for m in members where m.key == key { return m.value }
        return nil
    }
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// Typed views of a value: each is nil when the value is of another kind.
extension JSONValue {
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var number: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var object: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key` if this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        object?[key]
    }

    /// See `JSONNumber.int64`: integer text only.
    public var int64: Int64? { number?.int64 }

    /// See `JSONNumber.uint64`: non-negative integer text only.
    public var uint64: UInt64? { number?.uint64 }

    /// A number holding `v`'s decimal digits, for any integer width.
    public static func int(_ v: some BinaryInteger) -> JSONValue {
        .number(JSONNumber(validatedText: String(v)))
    }
}

// Literals, so tests and callers can write documents inline:
// `let v: JSONValue = ["device": "ox-001", "seq": 17, "tags": [true, nil]]`.
// Dictionary literals keep their written order.

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

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
