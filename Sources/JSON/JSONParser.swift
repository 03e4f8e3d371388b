/// A strict RFC 8259 parser.
///
/// Beyond the RFC's grammar it enforces the interoperability advice of
/// RFC 8259 and RFC 7493 (I-JSON): input must be well-formed UTF-8 with no
/// byte order mark, strings may not hold lone surrogate escapes, and object
/// member names must be unique.
public enum JSONParser {
    /// Resource limits, checked before any work they bound.
    public struct Limits: Sendable {
        /// Deepest allowed nesting of arrays and objects; the top-level container is depth 1.
        public var maxDepth = 32
        /// Longest accepted input, in bytes.
        public var maxBytes = 1 << 20
        public init() {}
    }

    /// Parses one JSON text occupying all of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits = .init()) throws(JSONError) -> JSONValue {
        if bytes.count > limits.maxBytes { throw JSONError(.tooLarge, at: limits.maxBytes) }
        var scanner = JSONScanner(bytes: bytes, maxDepth: limits.maxDepth)
        return try scanner.parseDocument()
    }

    /// Parses one JSON text occupying all of `bytes`.
    public static func parse(_ bytes: [UInt8], limits: Limits = .init()) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try parse(raw, limits: limits) }
        }
        return try result.get()
    }

    /// Parses one JSON text; offsets in errors count UTF-8 bytes of `text`.
    public static func parse(_ text: String, limits: Limits = .init()) throws(JSONError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONError> = text.withUTF8 { utf8 in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8), limits: limits) }
        }
        return try result.get()
    }
}

/// Why a document was rejected and where: `offset` is the byte index into
/// the input at which the problem was detected.
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule of RFC 8259 (or of this parser's strict profile) that was broken.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        // Table-like data (duplicates): each kind's message, as `JSONError.description` prints it: raw values, not logic.
        /// Bytes that are not well-formed UTF-8 (RFC 8259 section 8.1, RFC 3629):
        /// overlong forms, encoded surrogates, code points above U+10FFFF, stray continuation bytes.
        case invalidUTF8 = "invalid UTF-8"
        /// The input ended inside a value.
        case unexpectedEnd = "unexpected end of input"
        /// A byte that cannot start or continue the current construct.
        case unexpectedByte = "unexpected byte"
        /// A number that breaks the section 6 grammar (leading zero, missing digits, NaN, Infinity).
        case invalidNumber = "invalid number"
        /// A backslash escape that section 7 does not define, or a lone UTF-16 surrogate escape.
        case invalidEscape = "invalid escape"
        /// An unescaped U+0000..U+001F inside a string (section 7).
        case controlCharacterInString = "unescaped control character in string"
        /// An object with two members of the same name (section 4 leaves this undefined; we reject it).
        case duplicateKey = "duplicate object key"
        /// Arrays and objects nested deeper than `Limits.maxDepth`.
        case tooDeep = "nesting too deep"
        /// Input longer than `Limits.maxBytes`.
        case tooLarge = "input too large"
        /// Non-whitespace after the top-level value.
        case trailingData = "trailing data after the value"
    }

    public let kind: Kind
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "invalid JSON at byte \(offset): \(kind.rawValue)" }
}
