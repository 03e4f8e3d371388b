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
