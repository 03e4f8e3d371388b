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
