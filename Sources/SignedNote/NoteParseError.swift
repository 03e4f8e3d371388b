/// Why a signed note's text was not accepted.
public struct NoteParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case notUTF8 = "the note is not valid UTF-8"
        case controlCharacter = "the note contains a control character other than newline"
        case missingFinalNewline = "the note does not end with a newline"
        case missingBlankLine = "no blank line separates the text from the signatures"
        case emptyText = "the note text is empty"
        case noSignatures = "the note has no signature lines"
        case tooManySignatures = "the note has more than 100 signature lines"
        case malformedSignatureLine = "a signature line is not \"— <key name> <base64>\" (em dash U+2014, space)"
        case invalidKeyName = "a key name is empty or contains a space or +"
        case invalidBase64 = "a signature is not canonical standard base64 (RFC 4648 section 4)"
        case signatureTooShort = "a signature is shorter than a 4-byte key ID plus one byte"
    }

    public let kind: Kind
    /// The 1-based line of the note where the problem is, when there is one.
    public let line: Int?

    public init(_ kind: Kind, line: Int? = nil) {
        self.kind = kind
        self.line = line
    }

    public var description: String {
        "malformed signed note\(line.map { " (line \($0))" } ?? ""): \(kind.rawValue)"
    }
}
