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
