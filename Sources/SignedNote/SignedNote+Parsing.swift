import Codecs
import JSON

extension SignedNote {
    /// Parses a note strictly per c2sp.org/signed-note, "Format": the text
    /// ends at the *last* blank line; every line after it is a signature
    /// line `— <name> <base64>` ending in a newline; nothing else follows.
    public init(parsing note: String) throws(NoteParseError) {
        let bytes = Array(note.utf8)
        if let bad = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x0A }) {
            throw NoteParseError(.controlCharacter, line: Self.lineNumber(of: bad, in: bytes))
        }
        guard bytes.last == 0x0A else { throw NoteParseError(.missingFinalNewline) }
        // The separator is the last "\n\n": the text keeps the first newline.
        guard let split = Self.lastBlankLine(in: bytes) else { throw NoteParseError(.missingBlankLine) }
        let textBytes = bytes[...split]
        guard textBytes.count > 1 else { throw NoteParseError(.emptyText) }
        let firstSignatureLine = Self.lineNumber(of: split + 2, in: bytes)
        let lines = bytes[(split + 2)...].dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard !(lines.count == 1 && lines[0].isEmpty) else { throw NoteParseError(.noSignatures) }
        guard lines.count <= Self.maxSignatures else { throw NoteParseError(.tooManySignatures) }
        var signatures: [NoteSignature] = []
        for (i, line) in lines.enumerated() {
            signatures.append(try Self.parseSignatureLine(Array(line), line: firstSignatureLine + i))
        }
        self.init(text: String(decoding: textBytes, as: UTF8.self), signatures: signatures)
    }

    /// Parses a note from bytes, rejecting ill-formed UTF-8 first.
    public init(parsing bytes: [UInt8]) throws(NoteParseError) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NoteParseError(.notUTF8) }
        try self.init(parsing: text)
    }

    /// "— " is U+2014 EM DASH (E2 80 94 in UTF-8) and U+0020.
    static let signaturePrefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

    static func parseSignatureLine(_ line: [UInt8], line number: Int) throws(NoteParseError) -> NoteSignature {
        guard line.starts(with: signaturePrefix) else { throw NoteParseError(.malformedSignatureLine, line: number) }
        let rest = line[signaturePrefix.count...]
        guard let space = rest.lastIndex(of: 0x20) else { throw NoteParseError(.malformedSignatureLine, line: number) }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        guard NoteKeyName.isValid(name) else { throw NoteParseError(.invalidKeyName, line: number) }
        guard let blob = Base64.decode(String(decoding: rest[(space + 1)...], as: UTF8.self)) else {
            throw NoteParseError(.invalidBase64, line: number)
        }
        guard blob.count >= 5 else { throw NoteParseError(.signatureTooShort, line: number) }
        return NoteSignature(name: name, keyID: Array(blob[..<4]), signature: Array(blob[4...]))
    }

    /// Index of the first newline of the last "\n\n" pair.
    static func lastBlankLine(in bytes: [UInt8]) -> Int? {
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A, bytes[i + 1] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    static func lineNumber(of index: Int, in bytes: [UInt8]) -> Int {
        1 + bytes[..<index].count { $0 == 0x0A }
    }
}
