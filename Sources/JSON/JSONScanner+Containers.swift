extension JSONScanner {
    /// RFC 8259 section 4. Member names are compared after unescaping; a
    /// repeated name is rejected (RFC 7493 section 2.3) because receivers
    /// disagree on which of the two values wins.
    mutating func parseObject() throws(JSONError) -> JSONValue {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(JSONObject())
        }
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(8)
        // Linear search is fastest for the small objects we expect; large
        // objects switch to a hash set so parsing stays linear.
        var seen: Set<String>? = nil
        while true {
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
            skipWhitespace()
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            let separator = bytes[index]
            index += 1
            if separator == UInt8(ascii: ",") { skipWhitespace(); continue }
            if separator == UInt8(ascii: "}") { break }
            throw unexpectedByte(at: index - 1)
        }
        depth -= 1
        return .object(JSONObject(members))
    }

    /// RFC 8259 section 5.
    mutating func parseArray() throws(JSONError) -> JSONValue {
        try enterContainer()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array([])
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(8)
        while true {
            let value = try parseValue()
            elements.append(value)
            skipWhitespace()
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            let separator = bytes[index]
            index += 1
            if separator == UInt8(ascii: ",") { skipWhitespace(); continue }
            if separator == UInt8(ascii: "]") { break }
            throw unexpectedByte(at: index - 1)
        }
        depth -= 1
        return .array(elements)
    }
}
