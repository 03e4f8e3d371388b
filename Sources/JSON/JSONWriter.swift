import Codecs

extension JSONValue {
    /// Compact JSON text: no whitespace, members in stored order.
    public func serialized() -> String {
        serialized(pretty: false)
    }

    /// JSON text; `pretty` puts each member and element on its own line with
    /// two-space indentation and a space after each colon, for files and people.
    public func serialized(pretty: Bool) -> String {
        String(decoding: serializedUTF8(pretty: pretty), as: UTF8.self)
    }

    /// The UTF-8 bytes of `serialized(pretty:)`.
    public func serializedUTF8(pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        writer.write(self, indent: 0)
        return writer.out
    }
}

/// Emits RFC 8259 text. Strings escape only what section 7 requires
/// (quote, backslash, U+0000..U+001F); everything else is written as UTF-8.
struct JSONWriter {
    let pretty: Bool
    var out: [UInt8] = []

    init(pretty: Bool) {
        self.pretty = pretty
        out.reserveCapacity(128)
    }

    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): out += n.text.utf8
        case .string(let s): writeString(s)
        case .array(let elements):
            writeContainer(open: "[", close: "]", count: elements.count, indent: indent) { writer, i in
                writer.write(elements[i], indent: indent + 1)
            }
        case .object(let object):
            writeContainer(open: "{", close: "}", count: object.members.count, indent: indent) { writer, i in
                writer.writeString(object.members[i].key)
                writer.out.append(UInt8(ascii: ":"))
                if writer.pretty { writer.out.append(UInt8(ascii: " ")) }
                writer.write(object.members[i].value, indent: indent + 1)
            }
        }
    }

    mutating func writeContainer(open: Unicode.Scalar, close: Unicode.Scalar, count: Int, indent: Int, item: (inout JSONWriter, Int) -> Void) {
        out.append(UInt8(ascii: open))
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            newline(indent + 1)
            item(&self, i)
        }
        if count > 0 { newline(indent) }
        out.append(UInt8(ascii: close))
    }

    mutating func newline(_ indent: Int) {
        guard pretty else { return }
        out.append(UInt8(ascii: "\n"))
        out += repeatElement(UInt8(ascii: " "), count: 2 * indent)
    }

    mutating func writeString(_ s: String) { JSONText.appendString(s, to: &out) }
}

/// The pieces of JSON text the writer is made of, for callers on a hot path
/// that write a fixed shape straight to bytes (acknowledgements, leaves)
/// instead of building a `JSONValue` tree first.
public enum JSONText {
    /// A JSON string (RFC 8259 section 7): quote, backslash and U+0000..U+001F
    /// escaped, using the short escapes where they exist; all else as UTF-8.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case 0x00..<0x20:
                out += #"\u00"#.utf8
                out.append(Hex.digits[Int(byte >> 4)])
                out.append(Hex.digits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Decimal digits of `value`, without allocating.
    public static func appendInteger(_ value: UInt64, to out: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var v = value
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v > 0
            out.append(contentsOf: buffer[(24 - n)...])
        }
    }

    /// Decimal digits of `value`, with a leading `-` when negative.
    public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendInteger(value.magnitude, to: &out)
    }
}
