/// The recursive-descent state behind `JSONParser`: one pass over the
/// input, no copies of it, no look-back.
///
/// Containers collect their members in an array reserved for a typical
/// reading's size, so a small object costs one allocation.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0
    var depth = 0
    /// Unescaped string bytes, reused across strings that contain escapes.
    var scratch: [UInt8] = []

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// RFC 8259 section 2: `JSON-text = ws value ws`, and nothing else.
    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count { throw JSONError(.trailingData, at: index) }
        return value
    }

    /// Section 2: whitespace is space, horizontal tab, line feed, carriage return.
    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpectedByte(at: index)
        }
    }

    /// Consumes `literal` (ASCII) at the current index.
    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            guard bytes[index] == byte else { throw unexpectedByte(at: index) }
            index += 1
        }
    }

    /// Consumes `byte` after optional whitespace.
    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(JSONError) {
        skipWhitespace()
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        guard bytes[index] == byte else { throw unexpectedByte(at: index) }
        index += 1
    }

    /// The error for a byte that does not fit: ill-formed UTF-8 is reported
    /// as such, so a caller can tell "not text" from "not JSON".
    func unexpectedByte(at offset: Int) -> JSONError {
        if bytes[offset] >= 0x80, UTF8Validation.sequenceLength(in: bytes, at: offset) == nil {
            return JSONError(.invalidUTF8, at: offset)
        }
        return JSONError(.unexpectedByte, at: offset)
    }

    /// Enters the object or array whose opening byte is at `index`; true
    /// when `close` follows at once: the container is empty and already left.
    mutating func enterContainer(closedBy close: UInt8) throws(JSONError) -> Bool {
        depth += 1
        if depth > maxDepth { throw JSONError(.tooDeep, at: index) }
        index += 1
        skipWhitespace()
        guard index < bytes.count, bytes[index] == close else { return false }
        index += 1
        depth -= 1
        return true
    }

    /// After a member or element: true past a `,` (another one follows),
    /// false past `close` (the container is left).
    @inline(__always)
    mutating func continuesContainer(closedBy close: UInt8) throws(JSONError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        let separator = bytes[index]
        index += 1
        if separator == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        guard separator == close else { throw unexpectedByte(at: index - 1) }
        depth -= 1
        return false
    }

    /// The input bytes in `range` as a String; the caller has validated them as UTF-8.
    @inline(__always)
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

extension JSONScanner {
    /// RFC 8259 section 4. Member names are compared after unescaping; a
    /// repeated name is rejected (RFC 7493 section 2.3) because receivers
    /// disagree on which of the two values wins.
    mutating func parseObject() throws(JSONError) -> JSONValue {
        if try enterContainer(closedBy: UInt8(ascii: "}")) { return .object(JSONObject()) }
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(8)
        // Linear search is fastest for the small objects we expect; large
        // objects switch to a hash set so parsing stays linear.
        var seen: Set<String>? = nil
        repeat {
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            guard bytes[index] == UInt8(ascii: "\"") else { throw unexpectedByte(at: index) }
            let keyOffset = index
            let key = try parseString()
            if seen == nil {
                for member in members where member.key == key {
                    throw JSONError(.duplicateKey, at: keyOffset)
                }
                if members.count >= 16 { seen = Set(members.lazy.map(\.key)) }
            }
            if seen != nil, seen!.insert(key).inserted == false {
                throw JSONError(.duplicateKey, at: keyOffset)
            }
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue()
            members.append((key: key, value: value))
        } while try continuesContainer(closedBy: UInt8(ascii: "}"))
        return .object(JSONObject(members))
    }

    /// RFC 8259 section 5.
    mutating func parseArray() throws(JSONError) -> JSONValue {
        if try enterContainer(closedBy: UInt8(ascii: "]")) { return .array([]) }
        var elements: [JSONValue] = []
        elements.reserveCapacity(8)
        repeat {
            elements.append(try parseValue())
        } while try continuesContainer(closedBy: UInt8(ascii: "]"))
        return .array(elements)
    }
}

extension JSONScanner {
    /// RFC 8259 section 6:
    /// `number = [ minus ] int [ frac ] [ exp ]`, `int = zero / ( digit1-9 *DIGIT )`.
    /// No leading zeros, no leading `+`, no bare `.5` or `5.`, no NaN or Infinity.
    /// The text is kept verbatim; `JSONNumber` decides how to read it.
    mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "0"):
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw JSONError(.invalidNumber, at: index) }
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            index += 1
            skipDigits()
        default:
            throw JSONError(.invalidNumber, at: index)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try requireDigit()
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            try requireDigit()
            skipDigits()
        }
        return JSONNumber(validatedText: text(start..<index))
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always)
    mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    mutating func requireDigit() throws(JSONError) {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        guard isDigit(bytes[index]) else { throw JSONError(.invalidNumber, at: index) }
    }
}
