import JSON
import Testing

/// Each row: input text, the error kind, and the byte offset it must report.
@Suite struct ParserRejectionTests {
    @Test(arguments: [
        ("", JSONError.Kind.unexpectedEnd, 0),
        ("   ", .unexpectedEnd, 3),
        ("[1,2", .unexpectedEnd, 4),
        (#"{"a":1"#, .unexpectedEnd, 6),
        (#""abc"#, .unexpectedEnd, 4),
        ("tru", .unexpectedEnd, 3),
        ("trUe", .unexpectedByte, 2),
        ("[1,]", .unexpectedByte, 3),
        ("[,1]", .unexpectedByte, 1),
        (#"{"a":1,}"#, .unexpectedByte, 7),
        (#"{"a" 1}"#, .unexpectedByte, 5),
        ("{a:1}", .unexpectedByte, 1),
        ("{'a':1}", .unexpectedByte, 1),
        ("[1 2]", .unexpectedByte, 3),
        ("NaN", .unexpectedByte, 0),
        ("Infinity", .unexpectedByte, 0),
        ("-Infinity", .invalidNumber, 1),
        ("01", .invalidNumber, 1),
        ("-01", .invalidNumber, 2),
        ("+1", .unexpectedByte, 0),
        (".5", .unexpectedByte, 0),
        ("1.", .unexpectedEnd, 2),
        ("1.e3", .invalidNumber, 2),
        ("1e", .unexpectedEnd, 2),
        ("1e+", .unexpectedEnd, 3),
        ("[1ex]", .invalidNumber, 3),
        ("-", .unexpectedEnd, 1),
        (#""\x""#, .invalidEscape, 1),
        (#""\u12G4""#, .invalidEscape, 5),
        (#""\ud834""#, .invalidEscape, 1),
        (#""\ud834x""#, .invalidEscape, 1),
        (#""\ud834\u0041""#, .invalidEscape, 1),
        (#""\udd1e""#, .invalidEscape, 1),
        (#""\ud834\udd1e\udd1e""#, .invalidEscape, 13),
        ("\"a\tb\"", .controlCharacterInString, 2),
        ("\"a\nb\"", .controlCharacterInString, 2),
        (#"{"a":1,"a":2}"#, .duplicateKey, 7),
        (#"{"a":1,"\u0061":2}"#, .duplicateKey, 7),
        ("1 2", .trailingData, 2),
        ("{} x", .trailingData, 3),
        ("nullx", .trailingData, 4),
    ] as [(String, JSONError.Kind, Int)])
    func rejects(text: String, kind: JSONError.Kind, offset: Int) {
        #expect(throws: JSONError(kind, at: offset)) { try JSONParser.parse(text) }
    }

    @Test func errorDescriptionNamesOffsetAndRule() {
        #expect(JSONError(.duplicateKey, at: 7).description == "invalid JSON at byte 7: duplicate object key")
    }
}
