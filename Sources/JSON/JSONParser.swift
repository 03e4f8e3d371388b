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
